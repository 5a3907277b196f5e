import { newOrg, apiSuite } from '../helpers/stack';

const suite = apiSuite();

const upsert = (body: object, o = suite.org) => suite.api.http.post('/v1/contacts').set(o.auth).send(body);

describe('contacts', () => {
  it('upserts by email: the second call updates the same contact and merges attributes', async () => {
    const a = await upsert({ email: 'Jo@Acme.io', name: 'Jo', attributes: { plan: 'pro' } });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ email: 'jo@acme.io', name: 'Jo', attributes: { plan: 'pro' } });
    const b = await upsert({ email: 'jo@acme.io', phone: '+49 30 1234', attributes: { seats: 50 } });
    expect(b.body.id).toBe(a.body.id);
    expect(b.body).toMatchObject({ name: 'Jo', phone: '+49 30 1234', attributes: { plan: 'pro', seats: 50 } });
    expect(a.body.created).toBe(true);
    expect(b.body.created).toBe(false);
    const { created: _created, ...contact } = b.body;
    expect((await suite.api.http.get(`/v1/contacts/${a.body.id}`).set(suite.org.auth)).body).toEqual({ ...contact, leads: [] });
  });

  it('upserts by external_id, and sets the owner rep', async () => {
    const rep = await suite.api.http.post('/v1/reps').set(suite.org.auth).send({ name: 'Owner', email: 'owner@seller.io' });
    const a = await upsert({ external_id: 'sf-001', name: 'No Email Yet' });
    const b = await upsert({ external_id: 'sf-001', email: 'late@acme.io', owner_rep_id: rep.body.id });
    expect(b.body).toMatchObject({ id: a.body.id, email: 'late@acme.io', owner_rep_id: rep.body.id });
  });

  it('refuses an email and external_id that belong to two different contacts (409)', async () => {
    await upsert({ email: 'one@acme.io' });
    await upsert({ external_id: 'sf-two' });
    const res = await upsert({ email: 'one@acme.io', external_id: 'sf-two' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CONFLICT');
  });

  it.each([
    [{}, 'email'],
    [{ email: 'nope' }, 'email'],
    [{ email: 'a@b.io', owner_rep_id: 'rep_0000000000000000000000' }, 'owner_rep_id'],
    [{ email: 'a@b.io', attributes: { 'bad name!': 1 } }, 'attributes.bad name!'],
    [{ email: 'a@b.io', attributes: { nested: { deep: true } } }, 'attributes.nested'],
    [{ email: 'a@b.io', colour: 'red' }, 'colour'],
  ])('refuses %j with 422 at %s', async (body, path) => {
    const res = await upsert(body);
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it('lists with filters and pages; another organization sees none of it', async () => {
    const o = await newOrg(suite.api.deps.db);
    for (let i = 0; i < 5; i++) await upsert({ email: `p${i}@list.io` }, o);
    const page1 = await suite.api.http.get('/v1/contacts?limit=2').set(o.auth);
    expect(page1.body).toHaveLength(2);
    expect(page1.headers.link).toMatch(/rel="next"/);
    const byEmail = await suite.api.http.get('/v1/contacts?email=P3@list.io').set(o.auth);
    expect(byEmail.body.map((c: { email: string }) => c.email)).toEqual(['p3@list.io']);
    const other = await newOrg(suite.api.deps.db);
    expect((await suite.api.http.get('/v1/contacts').set(other.auth)).body).toEqual([]);
    expect((await suite.api.http.get(`/v1/contacts/${page1.body[0].id}`).set(other.auth)).status).toBe(404);
  });
});

describe('activities', () => {
  it('logs and lists activities of a contact, oldest first', async () => {
    const c = await upsert({ email: 'act@acme.io' });
    const rep = await suite.api.http.post('/v1/reps').set(suite.org.auth).send({ name: 'Caller', email: 'caller@seller.io' });
    const call = await suite.api.http
      .post(`/v1/contacts/${c.body.id}/activities`)
      .set(suite.org.auth)
      .send({ type: 'CALL', notes: 'Discussed expansion to 50 seats.', outcome: 'POSITIVE', rep_id: rep.body.id, occurred_at: '2026-11-20T10:00:00Z' });
    expect(call.status).toBe(200);
    expect(call.body).toMatchObject({ type: 'CALL', outcome: 'POSITIVE', first_touch: false, lead_id: null, occurred_at: '2026-11-20T10:00:00.000Z' });
    await suite.api.http.post(`/v1/contacts/${c.body.id}/activities`).set(suite.org.auth).send({ type: 'NOTE', notes: 'Sent deck' });
    const list = await suite.api.http.get(`/v1/contacts/${c.body.id}/activities`).set(suite.org.auth);
    expect(list.body.map((a: { type: string }) => a.type)).toEqual(['CALL', 'NOTE']);
  });

  it.each([
    [{ type: 'FAX' }, 'type'],
    [{ type: 'CALL', outcome: 'GREAT' }, 'outcome'],
    [{ type: 'CALL', rep_id: 'rep_0000000000000000000000' }, 'rep_id'],
    [{ type: 'CALL', occurred_at: 'yesterday' }, 'occurred_at'],
  ])('refuses %j with 422 at %s', async (body, path) => {
    const c = await upsert({ email: 'bad-activity@acme.io' });
    const res = await suite.api.http.post(`/v1/contacts/${c.body.id}/activities`).set(suite.org.auth).send(body);
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it("is 404 on another organization's contact", async () => {
    const other = await newOrg(suite.api.deps.db);
    const c = await upsert({ email: 'private@acme.io' }, other);
    expect((await suite.api.http.post(`/v1/contacts/${c.body.id}/activities`).set(suite.org.auth).send({ type: 'NOTE' })).status).toBe(404);
    expect((await suite.api.http.get(`/v1/contacts/${c.body.id}/activities`).set(suite.org.auth)).status).toBe(404);
  });
});
