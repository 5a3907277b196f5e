import { apiSuite } from '../helpers/stack';

/** Finding 12: security headers on API responses. */
const suite = apiSuite({ TRUST_PROXY: 'loopback' });

it.each([
  ['a success', '/v1/reps', true],
  ['an error', '/v1/reps/rep_nope', true],
  ['an unauthenticated error', '/v1/leads', false],
])('%s says nosniff and no-store', async (_what, path, authed) => {
  const req = suite.api.http.get(path);
  if (authed) req.set(suite.org.auth);
  const res = await req;
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['cache-control']).toBe('no-store');
});

it('sends Strict-Transport-Security over HTTPS (here: behind a TLS proxy) and not over plain HTTP', async () => {
  const overTls = await suite.api.http.get('/v1/reps').set(suite.org.auth).set('X-Forwarded-Proto', 'https');
  expect(overTls.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  const plain = await suite.api.http.get('/v1/reps').set(suite.org.auth);
  expect(plain.headers['strict-transport-security']).toBeUndefined();
});
