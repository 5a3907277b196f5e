import { newOrg, restrictedKey, startApi, type TestApi, type TestOrg } from '../helpers/stack';

/** Finding 5 (restricted keys and other keys) and the limit on keys per organization (finding 11). */
let api: TestApi;

beforeAll(() => {
  api = startApi({ MAX_API_KEYS_PER_ORG: '6' });
});
afterAll(() => api.close());

describe('a restricted key managing keys', () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await newOrg(api.deps.db);
  });

  it('needs keys:read to list keys', async () => {
    const writer = await restrictedKey(api.deps.db, org.orgId, ['keys:write', 'reps:read']);
    const res = await api.http.get('/v1/api-keys').set(writer);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('keys:read');
  });

  it('sees and revokes only keys whose scopes it holds itself; the secret key stays out of reach', async () => {
    const manager = await restrictedKey(api.deps.db, org.orgId, ['keys:read', 'keys:write', 'reps:read', 'leads:write']);
    const narrow = await api.http.post('/v1/api-keys').set(org.auth).send({ name: 'narrow', scopes: ['reps:read'] });
    const wide = await api.http.post('/v1/api-keys').set(org.auth).send({ name: 'wide', scopes: ['reps:write'] });
    const listed = (await api.http.get('/v1/api-keys').set(manager)).body.map((k: { id: string }) => k.id);
    expect(listed).toContain(narrow.body.id);
    expect(listed).not.toContain(wide.body.id);
    expect(listed).not.toContain(org.keyId);

    expect((await api.http.delete(`/v1/api-keys/${org.keyId}`).set(manager)).status).toBe(404);
    expect((await api.http.delete(`/v1/api-keys/${wide.body.id}`).set(manager)).status).toBe(404);
    expect((await api.http.get('/v1/reps').set(org.auth)).status).toBe(200);
    expect((await api.http.delete(`/v1/api-keys/${narrow.body.id}`).set(manager)).status).toBe(200);
  });
});

describe('keys per organization', () => {
  it('refuses a key beyond the limit with 409, and counts only keys that are not revoked', async () => {
    const org = await newOrg(api.deps.db);
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await api.http.post('/v1/api-keys').set(org.auth).send({ name: `k${i}`, scopes: ['reps:read'] });
      expect(res.status).toBe(200);
      made.push(res.body.id);
    }
    const over = await api.http.post('/v1/api-keys').set(org.auth).send({ name: 'one too many', scopes: ['reps:read'] });
    expect(over.status).toBe(409);
    expect(over.body.error.message).toMatch(/6 active API keys/);
    await api.http.delete(`/v1/api-keys/${made[0]}`).set(org.auth);
    expect((await api.http.post('/v1/api-keys').set(org.auth).send({ name: 'room again', scopes: ['reps:read'] })).status).toBe(200);
  });
});
