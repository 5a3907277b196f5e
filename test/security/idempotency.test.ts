import { restrictedKey, apiSuite } from '../helpers/stack';

/**
 * Finding 2: an idempotent replay belongs to the API key that made the first request, is authorized again,
 * and no secret is ever stored for it.
 */
const suite = apiSuite();

const stored = async (orgId: string) => JSON.stringify(await suite.api.deps.db('idempotency_keys').where({ org_id: orgId }).select('response'));

describe('replaying POST /v1/api-keys', () => {
  it("another key sending the same Idempotency-Key and body does not receive the first key's secret", async () => {
    const first = await suite.api.http.post('/v1/api-keys').set(suite.org.auth).set('Idempotency-Key', 'mint-1').send({ name: 'ops' });
    expect(first.status).toBe(200);
    expect(first.body.secret).toMatch(/^sk_live_/);

    const narrow = await restrictedKey(suite.api.deps.db, suite.org.orgId, ['keys:write']);
    const replay = await suite.api.http.post('/v1/api-keys').set(narrow).set('Idempotency-Key', 'mint-1').send({ name: 'ops' });
    // Its own request, authorized on its own: a restricted key cannot mint a secret key.
    expect(replay.status).toBe(403);
    expect(replay.headers['idempotent-replayed']).toBeUndefined();
    expect(JSON.stringify(replay.body)).not.toContain(first.body.secret);
  });

  it('the same key replaying gets the first response without the secret, which is never stored', async () => {
    const first = await suite.api.http.post('/v1/api-keys').set(suite.org.auth).set('Idempotency-Key', 'mint-2').send({ name: 'crm' });
    const again = await suite.api.http.post('/v1/api-keys').set(suite.org.auth).set('Idempotency-Key', 'mint-2').send({ name: 'crm' });
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.secret).toBeNull();
    expect(await stored(suite.org.orgId)).not.toContain(first.body.secret);
    expect(await stored(suite.org.orgId)).not.toMatch(/(sk|rk)_live_[0-9a-z]{40}/);
  });
});

describe('replaying POST /v1/webhooks', () => {
  it("an intelligence:write key replaying another key's request gets its own webhook, not the first one's secret", async () => {
    const body = { url: 'https://hooks.example.com/routeswit', events: ['lead.assigned'] };
    const first = await suite.api.http.post('/v1/webhooks').set(suite.org.auth).set('Idempotency-Key', 'hook-1').send(body);
    expect(first.status).toBe(200);
    const writer = await restrictedKey(suite.api.deps.db, suite.org.orgId, ['intelligence:write']);
    const second = await suite.api.http.post('/v1/webhooks').set(writer).set('Idempotency-Key', 'hook-1').send(body);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.body.id).not.toBe(first.body.id);
    expect(second.body.secret).not.toBe(first.body.secret);
    expect(await stored(suite.org.orgId)).not.toContain('whsec_');
  });
});

describe('leads', () => {
  it("the same Idempotency-Key from two keys makes two leads: one key's key is not another's", async () => {
    const writer = await restrictedKey(suite.api.deps.db, suite.org.orgId, ['leads:write', 'leads:read']);
    const a = await suite.api.http.post('/v1/leads?wait_ms=0').set(suite.org.auth).set('Idempotency-Key', 'lead-1').send({ email: 'one@idem.io' });
    const b = await suite.api.http.post('/v1/leads?wait_ms=0').set(writer).set('Idempotency-Key', 'lead-1').send({ email: 'one@idem.io' });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.body.id).not.toBe(a.body.id);
  });
});
