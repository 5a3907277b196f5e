import { restrictedKey, apiSuite } from '../helpers/stack';

/** Finding 3: a write-only key must not read data through a duplicate or an upsert. */
const suite = apiSuite();

describe('a duplicate lead', () => {
  it('answers a leads:write-only key with the id and status only', async () => {
    const first = await suite.api.http.post('/v1/leads?wait_ms=0').set(suite.org.auth).send({ email: 'ceo@secret.io', first_name: 'Ada', external_id: 'crm-1' });
    expect(first.status).toBe(200);
    const writer = await restrictedKey(suite.api.deps.db, suite.org.orgId, ['leads:write']);
    const dup = await suite.api.http.post('/v1/leads?wait_ms=0').set(writer).send({ email: 'probe@x.io', external_id: 'crm-1' });
    expect(dup.status).toBe(200);
    expect(dup.body).toEqual({ id: first.body.id, status: expect.any(String), duplicate: true });
    expect(JSON.stringify(dup.body)).not.toContain('secret.io');
  });

  it('gives a key that may read leads the whole lead', async () => {
    await suite.api.http.post('/v1/leads?wait_ms=0').set(suite.org.auth).send({ email: 'cfo@secret.io', external_id: 'crm-2' });
    const rw = await restrictedKey(suite.api.deps.db, suite.org.orgId, ['leads:write', 'leads:read']);
    const dup = await suite.api.http.post('/v1/leads?wait_ms=0').set(rw).send({ email: 'cfo@secret.io', external_id: 'crm-2' });
    expect(dup.body.email).toBe('cfo@secret.io');
  });
});

describe('a contact upsert', () => {
  it('answers a contacts:write-only key that updated an existing contact with the id only', async () => {
    const first = await suite.api.http.post('/v1/contacts').set(suite.org.auth).send({ email: 'vip@secret.io', name: 'V. I. P.', phone: '+49 30 1234' });
    const writer = await restrictedKey(suite.api.deps.db, suite.org.orgId, ['contacts:write']);
    const upsert = await suite.api.http.post('/v1/contacts').set(writer).send({ email: 'vip@secret.io', company: 'Acme' });
    expect(upsert.status).toBe(200);
    expect(upsert.body).toEqual({ id: first.body.id, created: false });
    const created = await suite.api.http.post('/v1/contacts').set(writer).send({ email: 'new@secret.io', name: 'New' });
    expect(created.body).toMatchObject({ email: 'new@secret.io', name: 'New' });
  });
});
