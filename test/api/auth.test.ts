import { newOrg, restrictedKey, startApi, apiSuite } from '../helpers/stack';

const suite = apiSuite();

function expectError(res: { status: number; body: any; headers: Record<string, string> }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.request_id).toMatch(/^req_/);
  expect(res.headers['x-request-id']).toBe(res.body.error.request_id);
}

describe('authentication (401)', () => {
  it.each([
    ['no Authorization header', undefined, /Missing API key/],
    ['a Basic scheme', 'Basic dXNlcjpwYXNz', /Malformed Authorization/],
    ['a malformed key', 'Bearer sk_live_short', /Malformed API key/],
    ['an unknown key', `Bearer sk_live_${'0'.repeat(40)}`, /Unknown API key/],
  ])('refuses %s', async (_what, header, message) => {
    const req = suite.api.http.get('/v1/reps');
    if (header) req.set('Authorization', header);
    const res = await req;
    expectError(res, 401, 'UNAUTHORIZED');
    expect(res.body.error.message).toMatch(message);
  });

  it('stops honouring a key on the very next request after it is revoked', async () => {
    const created = await suite.api.http.post('/v1/api-keys').set(suite.org.auth).send({ name: 'to be revoked' });
    expect(created.status).toBe(200);
    const victim = { Authorization: `Bearer ${created.body.secret}` };
    expect((await suite.api.http.get('/v1/reps').set(victim)).status).toBe(200);

    const revoked = await suite.api.http.delete(`/v1/api-keys/${created.body.id}`).set(suite.org.auth);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();

    const res = await suite.api.http.get('/v1/reps').set(victim);
    expectError(res, 401, 'UNAUTHORIZED');
    expect(res.body.error.message).toMatch(/revoked/);
  });
});

describe('API keys', () => {
  it('shows the secret exactly once and stores only its hash', async () => {
    const res = await suite.api.http.post('/v1/api-keys').set(suite.org.auth).send({ name: 'integration' });
    expect(res.status).toBe(200);
    expect(res.body.secret).toMatch(/^sk_live_[0-9a-z]{40}$/);
    expect(res.body.kind).toBe('SECRET');
    expect(res.body.token_hint).toBe(`${res.body.secret.slice(0, 8)}…${res.body.secret.slice(-4)}`);

    const list = await suite.api.http.get('/v1/api-keys').set(suite.org.auth);
    expect(list.status).toBe(200);
    const listed = list.body.find((k: { id: string }) => k.id === res.body.id);
    expect(listed).toBeDefined();
    expect(JSON.stringify(list.body)).not.toContain(res.body.secret);
    const row = await suite.api.deps.db('api_keys').where({ id: res.body.id }).first();
    expect(JSON.stringify(row)).not.toContain(res.body.secret);
  });

  it('makes a restricted rk_live_ key when scopes are given', async () => {
    const res = await suite.api.http.post('/v1/api-keys').set(suite.org.auth).send({ name: 'zapier', scopes: ['leads:write', 'reps:read'] });
    expect(res.status).toBe(200);
    expect(res.body.secret).toMatch(/^rk_live_/);
    expect(res.body.kind).toBe('RESTRICTED');
    expect(res.body.scopes).toEqual(['leads:write', 'reps:read']);
  });

  it('rejects unknown scopes with the path of the bad element', async () => {
    const res = await suite.api.http.post('/v1/api-keys').set(suite.org.auth).send({ name: 'x', scopes: ['reps:read', 'everything'] });
    expectError(res, 422, 'VALIDATION_ERROR');
    expect(res.body.error.details[0].path).toBe('scopes[1]');
  });

  it('does not let a restricted key mint a secret key or grant scopes it lacks', async () => {
    const rk = await restrictedKey(suite.api.deps.db, suite.org.orgId, ['keys:write', 'reps:read']);
    expectError(await suite.api.http.post('/v1/api-keys').set(rk).send({ name: 'escalate' }), 403, 'FORBIDDEN');
    const wider = await suite.api.http.post('/v1/api-keys').set(rk).send({ name: 'wider', scopes: ['reps:write'] });
    expectError(wider, 403, 'FORBIDDEN');
    expect(wider.body.error.message).toContain('reps:write');
    const narrower = await suite.api.http.post('/v1/api-keys').set(rk).send({ name: 'narrower', scopes: ['reps:read'] });
    expect(narrower.status).toBe(200);
  });

  it("treats another organization's key as not found", async () => {
    const other = await newOrg(suite.api.deps.db);
    const res = await suite.api.http.delete(`/v1/api-keys/${other.keyId}`).set(suite.org.auth);
    expectError(res, 404, 'NOT_FOUND');
    expect((await suite.api.http.get('/v1/reps').set(other.auth)).status).toBe(200);
  });
});

describe('scopes (403)', () => {
  it('lets a restricted key do only what its scopes say', async () => {
    const readOnly = await restrictedKey(suite.api.deps.db, suite.org.orgId, ['reps:read']);
    expect((await suite.api.http.get('/v1/reps').set(readOnly)).status).toBe(200);
    const res = await suite.api.http.post('/v1/reps').set(readOnly).send({ name: 'A', email: 'a@x.io' });
    expectError(res, 403, 'FORBIDDEN');
    expect(res.body.error.message).toContain('reps:write');
    expectError(await suite.api.http.get('/v1/api-keys').set(readOnly), 403, 'FORBIDDEN');
  });
});

describe('rate limiting (429)', () => {
  it('limits each key separately and says when to retry', async () => {
    const limited = startApi({ RATE_LIMIT_PER_SECOND: '2', RATE_LIMIT_BURST: '3' });
    try {
      const a = await newOrg(limited.deps.db);
      const b = await newOrg(limited.deps.db);
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await limited.http.get('/v1/reps').set(a.auth)).status);
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses).toContain(429);
      const res = await limited.http.get('/v1/reps').set(a.auth);
      expectError(res, 429, 'RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect((await limited.http.get('/v1/reps').set(b.auth)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
