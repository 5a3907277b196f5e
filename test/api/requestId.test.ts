import { apiSuite } from '../helpers/stack';

/** Issue 31: a caller's X-Request-Id is kept (and is what the error body quotes); a hostile one is replaced. */
const suite = apiSuite();

it("keeps a caller's request id, in the header and in an error body", async () => {
  const res = await suite.api.http.get('/v1/leads/ld_missing').set(suite.org.auth).set('X-Request-Id', 'checkout-7f3a:retry.2');
  expect(res.status).toBe(404);
  expect(res.headers['x-request-id']).toBe('checkout-7f3a:retry.2');
  expect(res.body.error.request_id).toBe('checkout-7f3a:retry.2');
});

it('replaces a request id that could forge a log line or is too long', async () => {
  for (const bad of ['two words', 'a'.repeat(129), 'line"}{"level":60']) {
    const res = await suite.api.http.get('/healthz').set('X-Request-Id', bad);
    expect(res.headers['x-request-id']).toMatch(/^req_/);
  }
});
