import { newOrg, restrictedKey, startApi, type TestApi, type TestOrg } from '../helpers/stack';

/** The audit log of configuration changes: who, what, before and after, when; nothing secret. */
let api: TestApi;
let org: TestOrg;
beforeAll(async () => {
  api = startApi();
  org = await newOrg(api.deps.db);
});
afterAll(() => api.close());

const audit = async (query = '') => (await api.http.get(`/v1/audit${query}`).set(org.auth)).body as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('GET /v1/audit', () => {
  it('records a rep created, changed and deleted, with the key that did it and the rep before and after', async () => {
    const rep = (await api.http.post('/v1/reps').set(org.auth).send({ name: 'Ann', email: 'ann@audit.io', teams: ['sdr'] })).body;
    await api.http.patch(`/v1/reps/${rep.id}`).set(org.auth).send({ status: 'AWAY', max_open_leads: 5 });
    await api.http.delete(`/v1/reps/${rep.id}`).set(org.auth);
    const entries = await audit(`?resource_type=rep&resource_id=${rep.id}`);
    expect(entries.map((e) => e.action)).toEqual(['deleted', 'updated', 'created']);
    const [deleted, updated, created] = entries;
    expect(created).toMatchObject({ actor_key_id: org.keyId, resource_id: rep.id, before: null, after: { name: 'Ann', status: 'AVAILABLE' } });
    expect(updated!.before).toMatchObject({ status: 'AVAILABLE', max_open_leads: null });
    expect(updated!.after).toMatchObject({ status: 'AWAY', max_open_leads: 5 });
    expect(deleted!.after).toMatchObject({ active: false });
    expect(created!.request_id).toMatch(/^req_/);
  });

  it('records publication, settings, keys and webhooks without a secret in sight', async () => {
    await api.http.post('/v1/reps').set(org.auth).send({ name: 'Bob', email: 'bob@audit.io', teams: ['sdr'] });
    const rs = (await api.http.post('/v1/rules').set(org.auth).send({ name: 'r', rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] })).body;
    await api.http.post(`/v1/rules/${rs.id}/publish`).set(org.auth);
    await api.http.patch('/v1/organization').set(org.auth).send({ notifications: { slack: { default_webhook_url: 'https://hooks.slack.com/services/T/B/SECRET' } } });
    const key = (await api.http.post('/v1/api-keys').set(org.auth).send({ name: 'ci', scopes: ['leads:read'] })).body;
    const hook = (await api.http.post('/v1/webhooks').set(org.auth).send({ url: 'https://hooks.example.com/in', events: ['lead.assigned'] })).body;
    const entries = await audit();
    const text = JSON.stringify(entries);
    for (const secret of [key.secret, hook.secret, 'SECRET']) expect(text).not.toContain(secret);
    expect(entries.find((e) => e.action === 'published')).toMatchObject({ resource_type: 'ruleset', resource_id: rs.id, before: { status: 'DRAFT' }, after: { status: 'ACTIVE' } });
    expect(entries.find((e) => e.resource_type === 'organization')!.after).toMatchObject({ notifications: { slack: { default_webhook_set: true } } });
    expect(entries.find((e) => e.resource_type === 'api_key')).toMatchObject({ action: 'created', resource_id: key.id, after: { name: 'ci', scopes: ['leads:read'] } });
    expect(entries.find((e) => e.resource_type === 'webhook')!.after).not.toHaveProperty('secret');
  });

  it('filters, pages, needs audit:read, and records nothing for a refused change or an idempotent replay', async () => {
    const before = (await audit()).length;
    expect((await api.http.post('/v1/reps').set(org.auth).send({ name: '', email: 'bad' })).status).toBe(422);
    const body = { name: 'Cy', email: 'cy@audit.io' };
    await api.http.post('/v1/reps').set(org.auth).set('Idempotency-Key', 'audit-cy').send(body);
    await api.http.post('/v1/reps').set(org.auth).set('Idempotency-Key', 'audit-cy').send(body);
    expect((await audit('?limit=500')).length).toBe(before + 1);
    const page = await api.http.get('/v1/audit?limit=1&action=created').set(org.auth);
    expect(page.body).toHaveLength(1);
    expect(page.headers.link).toMatch(/rel="next"/);
    const reader = await restrictedKey(api.deps.db, org.orgId, ['reps:read']);
    expect((await api.http.get('/v1/audit').set(reader)).status).toBe(403);
    const auditor = await restrictedKey(api.deps.db, org.orgId, ['audit:read']);
    expect((await api.http.get('/v1/audit').set(auditor)).status).toBe(200);
    const other = await newOrg(api.deps.db);
    expect((await api.http.get('/v1/audit').set(other.auth)).body).toEqual([]);
  });
});
