import { restrictedKey, apiSuite, startWorker, type TestWorker } from '../helpers/stack';

/** Finding 3: a write-only key must not read data through a duplicate or an upsert. */
const suite = apiSuite();

describe('a duplicate lead', () => {
  it('answers a leads:write-only key with the id and status only', async () => {
    const first = await suite.api.http.post('/v1/leads?wait_ms=0').set(suite.org.auth).send({ email: 'ceo@secret.io', first_name: 'Ada', external_id: 'crm-1' });
    expect(first.status).toBe(200);
    const writer = await restrictedKey(suite.api.deps.db, suite.org.orgId, ['leads:write']);
    const dup = await suite.api.http.post('/v1/leads?wait_ms=0').set(writer).send({ email: 'probe@x.io', external_id: 'crm-1' });
    expect(dup.status).toBe(200);
    expect(dup.body).toEqual({ receipt: true, id: first.body.id, status: expect.any(String), duplicate: true });
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
    // What it sent, and that it updated a contact; nothing the contact held before (name, phone).
    expect(upsert.body).toEqual({ receipt: true, id: first.body.id, email: 'vip@secret.io', company: 'Acme', created: false });
    const created = await suite.api.http.post('/v1/contacts').set(writer).send({ email: 'new@secret.io', name: 'New' });
    expect(created.body).toMatchObject({ email: 'new@secret.io', name: 'New' });
  });
});

/**
 * Round 2, finding 5: a write answers a key that cannot read with a receipt (the id, status and what it sent),
 * so an empty PATCH is not a read, and a dry run, which lists leads, needs the read scope.
 */
describe('writes by a key that cannot read', () => {
  const secretEmail = 'cfo@very-secret.io';
  let leadId: string;
  let repId: string;
  let worker: TestWorker;
  afterAll(() => worker.stop());
  beforeAll(async () => {
    // Changing a lead that waits for a rep routes it again, through its workflow.
    worker = await startWorker();
    const lead = await suite.api.http.post('/v1/leads?wait_ms=0').set(suite.org.auth).send({ email: secretEmail, first_name: 'Grace', company: 'Secret Co', attributes: { budget: 'big', plan: 'x' } });
    leadId = lead.body.id;
    repId = (await suite.api.http.post('/v1/reps').set(suite.org.auth).send({ name: 'Hidden Rep', email: 'hidden.rep@seller.io', teams: ['sdr'] })).body.id;
    await suite.api.http.put('/v1/accounts/secret-account.io').set(suite.org.auth).send({ name: 'Secret Account', owner_rep_id: repId });
  });

  it('PATCH /v1/leads/:id {} answers {id, status} and nothing of the lead', async () => {
    const writer = await restrictedKey(suite.api.deps.db, suite.org.orgId, ['leads:write']);
    const res = await suite.api.http.patch(`/v1/leads/${leadId}`).set(writer).send({});
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['id', 'receipt', 'reroute', 'status']);
    expect(JSON.stringify(res.body)).not.toMatch(/very-secret|Grace|Secret Co|budget/);
  });

  it('PATCH /v1/leads/:id echoes the fields it sent, and only the attributes it sent', async () => {
    const writer = await restrictedKey(suite.api.deps.db, suite.org.orgId, ['leads:write']);
    const res = await suite.api.http.patch(`/v1/leads/${leadId}`).set(writer).send({ industry: 'Software', attributes: { plan: 'pro' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: leadId, status: expect.any(String), industry: 'Software', attributes: { plan: 'pro' } });
    expect(JSON.stringify(res.body)).not.toMatch(/very-secret|Grace|Secret Co|budget/);
    // The write itself happened.
    const read = await suite.api.http.get(`/v1/leads/${leadId}`).set(suite.org.auth);
    expect(read.body).toMatchObject({ industry: 'Software', attributes: { plan: 'pro', budget: 'big' } });
  });

  it('a reroute dry run, which lists lead ids, needs leads:read; a real job does not answer with them', async () => {
    const writer = await restrictedKey(suite.api.deps.db, suite.org.orgId, ['leads:write']);
    const dry = await suite.api.http.post('/v1/leads/reroute').set(writer).send({ received_after: '2000-01-01T00:00:00Z', dry_run: true });
    expect(dry.status).toBe(403);
    expect(dry.body.error.message).toMatch(/leads:read/);
    const reader = await restrictedKey(suite.api.deps.db, suite.org.orgId, ['leads:write', 'leads:read']);
    const allowed = await suite.api.http.post('/v1/leads/reroute').set(reader).send({ received_after: '2000-01-01T00:00:00Z', dry_run: true });
    expect(allowed.status).toBe(200);
    expect(allowed.body.lead_ids).toContain(leadId);
    const job = await suite.api.http.post('/v1/leads/reroute').set(writer).send({ received_after: '2000-01-01T00:00:00Z' });
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({ id: expect.stringMatching(/^rrj_/), status: 'RUNNING', received_after: '2000-01-01T00:00:00.000Z' });
    expect(job.body.lead_ids).toBeUndefined();
  });

  it('PUT /v1/accounts/:domain {} with contacts:write answers the domain, not the owner or name', async () => {
    const writer = await restrictedKey(suite.api.deps.db, suite.org.orgId, ['contacts:write']);
    const res = await suite.api.http.put('/v1/accounts/secret-account.io').set(writer).send({});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ receipt: true, domain: 'secret-account.io' });
  });

  it('PATCH /v1/reps/:id {} with reps:write answers {id, status}, not the rep', async () => {
    const writer = await restrictedKey(suite.api.deps.db, suite.org.orgId, ['reps:write']);
    const res = await suite.api.http.patch(`/v1/reps/${repId}`).set(writer).send({});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ receipt: true, id: repId, status: 'AVAILABLE' });
  });

  it('PATCH /v1/organization {} with organization:write answers the id only', async () => {
    await suite.api.http.patch('/v1/organization').set(suite.org.auth).send({ name: 'Secret Org Name' });
    const writer = await restrictedKey(suite.api.deps.db, suite.org.orgId, ['organization:write']);
    const res = await suite.api.http.patch('/v1/organization').set(writer).send({});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ receipt: true, id: suite.org.orgId });
  });

  it('a key that also reads gets the whole object, as before', async () => {
    const both = await restrictedKey(suite.api.deps.db, suite.org.orgId, ['leads:write', 'leads:read']);
    const res = await suite.api.http.patch(`/v1/leads/${leadId}`).set(both).send({});
    expect(res.body).toMatchObject({ id: leadId, email: secretEmail, timeline: expect.any(Array) });
  });
});
