import { newOrg, startApi, type TestApi, type TestOrg } from '../helpers/stack';

let api: TestApi;
let org: TestOrg;
const reps: Record<string, string> = {};

async function makeRep(o: TestOrg, name: string, body: object = {}) {
  const res = await api.http.post('/v1/reps').set(o.auth).send({ name, email: `${name}+${o.orgId}@example.com`, ...body });
  expect(res.status).toBe(200);
  return res.body.id as string;
}

beforeAll(async () => {
  api = startApi();
  org = await newOrg(api.deps.db);
  reps.anna = await makeRep(org, 'anna', { teams: ['emea-ae'] });
  reps.bert = await makeRep(org, 'bert', { teams: ['emea-ae'] });
  reps.cleo = await makeRep(org, 'cleo', { teams: ['sdr'] });
});
afterAll(() => api.close());

const enterprise = () => ({
  name: 'Inbound 2026',
  rules: [
    {
      id: 'enterprise-emea',
      name: 'Enterprise EMEA',
      when: { all: [{ field: 'country', op: 'in', value: ['DE', 'FR', 'GB'] }, { field: 'employees', op: 'gte', value: 1000 }] },
      then: { strategy: 'ROUND_ROBIN', team: 'emea-ae', sla: { first_touch_minutes: 15 } },
    },
  ],
  fallback: { strategy: 'LOAD_BALANCED', team: 'sdr' },
});

const create = (body: object, o = org) => api.http.post('/v1/rules').set(o.auth).send(body);

describe('rulesets lifecycle', () => {
  it('creates a draft without a version', async () => {
    const res = await create(enterprise());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'DRAFT', version: null, name: 'Inbound 2026', fallback: { strategy: 'LOAD_BALANCED' }, sla: null });
    expect(res.body.rules[0].id).toBe('enterprise-emea');
    expect(res.body.id).toMatch(/^rs_/);
  });

  it('publishes, versions, archives the previous one, refuses edits to published versions, and rolls back', async () => {
    const o = await newOrg(api.deps.db);
    await makeRep(o, 'x', { teams: ['emea-ae', 'sdr'] });
    const v1 = (await create(enterprise(), o)).body;
    const v2 = (await create({ ...enterprise(), name: 'v2' }, o)).body;

    expect((await api.http.get('/v1/rules/active').set(o.auth)).status).toBe(404);
    const p1 = await api.http.post(`/v1/rules/${v1.id}/publish`).set(o.auth);
    expect(p1.body).toMatchObject({ status: 'ACTIVE', version: 1 });
    expect((await api.http.get('/v1/rules/active').set(o.auth)).body.id).toBe(v1.id);

    const p2 = await api.http.post(`/v1/rules/${v2.id}/publish`).set(o.auth);
    expect(p2.body).toMatchObject({ status: 'ACTIVE', version: 2 });
    expect((await api.http.get(`/v1/rules/${v1.id}`).set(o.auth)).body).toMatchObject({ status: 'ARCHIVED', version: 1 });

    const edit = await api.http.patch(`/v1/rules/${v1.id}`).set(o.auth).send({ name: 'sneaky' });
    expect(edit.status).toBe(409);
    expect(edit.body.error.message).toMatch(/immutable/);
    expect((await api.http.delete(`/v1/rules/${v2.id}`).set(o.auth)).status).toBe(409);

    const rollback = await api.http.post(`/v1/rules/${v1.id}/publish`).set(o.auth);
    expect(rollback.body).toMatchObject({ status: 'ACTIVE', version: 1 });
    expect((await api.http.get(`/v1/rules/${v2.id}`).set(o.auth)).body).toMatchObject({ status: 'ARCHIVED', version: 2 });
    const again = await api.http.post(`/v1/rules/${v1.id}/publish`).set(o.auth);
    expect(again.body).toMatchObject({ status: 'ACTIVE', version: 1 });

    const v3 = (await create({ ...enterprise(), name: 'v3' }, o)).body;
    expect((await api.http.post(`/v1/rules/${v3.id}/publish`).set(o.auth)).body.version).toBe(3);
  });

  it('keeps exactly one active ruleset when many are published at once', async () => {
    const o = await newOrg(api.deps.db);
    await makeRep(o, 'y', { teams: ['emea-ae', 'sdr'] });
    const drafts = await Promise.all(Array.from({ length: 6 }, (_, i) => create({ ...enterprise(), name: `d${i}` }, o)));
    const results = await Promise.all(drafts.map((d) => api.http.post(`/v1/rules/${d.body.id}/publish`).set(o.auth)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const active = await api.http.get('/v1/rules?status=ACTIVE').set(o.auth);
    expect(active.body).toHaveLength(1);
    const versions = (await api.http.get('/v1/rules').set(o.auth)).body.map((r: { version: number }) => r.version).sort();
    expect(versions).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('updates and deletes drafts', async () => {
    const d = (await create(enterprise())).body;
    const upd = await api.http.patch(`/v1/rules/${d.id}`).set(org.auth).send({ name: 'renamed', fallback: null, sla: { first_touch_minutes: 30 } });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({ name: 'renamed', fallback: null, sla: { first_touch_minutes: 30, business_hours: false } });
    expect(upd.body.rules).toHaveLength(1);
    expect((await api.http.delete(`/v1/rules/${d.id}`).set(org.auth)).status).toBe(200);
    expect((await api.http.get(`/v1/rules/${d.id}`).set(org.auth)).status).toBe(404);
  });

  it("treats another organization's ruleset as not found", async () => {
    const other = await newOrg(api.deps.db);
    const d = (await create(enterprise())).body;
    expect((await api.http.get(`/v1/rules/${d.id}`).set(other.auth)).status).toBe(404);
    expect((await api.http.post(`/v1/rules/${d.id}/publish`).set(other.auth)).status).toBe(404);
  });
});

describe('ruleset validation (422 with the exact path)', () => {
  it('points at a bad operator deep in the rules', async () => {
    const body = enterprise();
    body.rules.push(
      { id: 'b', name: 'b', when: { all: [{ field: 'country', op: 'in', value: ['US'] }, { field: 'employees', op: 'gte', value: 1 }] }, then: { strategy: 'ROUND_ROBIN', team: 'sdr', sla: { first_touch_minutes: 5 } } },
      { id: 'c', name: 'c', when: { all: [{ field: 'country', op: 'like' as never, value: ['US'] }, { field: 'employees', op: 'gte', value: 1 }] }, then: { strategy: 'ROUND_ROBIN', team: 'sdr', sla: { first_touch_minutes: 5 } } },
    );
    const res = await create(body);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(res.body.error.details[0].path).toBe('rules[2].when.all[0].op');
  });

  it('refuses unknown and deleted reps and empty teams, each at its path', async () => {
    const gone = await makeRep(org, 'gone');
    await api.http.delete(`/v1/reps/${gone}`).set(org.auth);
    const res = await create({
      name: 'refs',
      rules: [
        { id: 'direct', then: { strategy: 'DIRECT', rep_id: 'rep_0000000000000000000000' } },
        { id: 'list', then: { strategy: 'ROUND_ROBIN', rep_ids: [reps.anna, gone] } },
        { id: 'team', then: { strategy: 'WEIGHTED', team: 'nobody-here' } },
      ],
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([
      { path: 'rules[0].then.rep_id', message: 'unknown rep rep_0000000000000000000000' },
      { path: 'rules[1].then.rep_ids[1]', message: `rep ${gone} has been deleted` },
      { path: 'rules[2].then.team', message: 'team "nobody-here" has no active rep' },
    ]);
  });

  it("does not accept another organization's rep", async () => {
    const other = await newOrg(api.deps.db);
    const theirs = await makeRep(other, 'theirs');
    const res = await create({ name: 'x', rules: [{ id: 'd', then: { strategy: 'DIRECT', rep_id: theirs } }] });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toBe('rules[0].then.rep_id');
  });
});

describe('POST /v1/rules/simulate', () => {
  let o: TestOrg;
  const r: Record<string, string> = {};
  beforeAll(async () => {
    o = await newOrg(api.deps.db);
    r.a = await makeRep(o, 'a', { teams: ['emea-ae'] });
    r.b = await makeRep(o, 'b', { teams: ['emea-ae'], status: 'AWAY' });
    r.c = await makeRep(o, 'c', { teams: ['emea-ae'] });
    r.s = await makeRep(o, 's', { teams: ['sdr'], max_open_leads: 0 });
    const d = (await create(enterprise(), o)).body;
    await api.http.post(`/v1/rules/${d.id}/publish`).set(o.auth);
  });

  const sim = (body: object) => api.http.post('/v1/rules/simulate').set(o.auth).send(body);

  it('routes with the active ruleset and real rep states, explaining rules and skipped reps', async () => {
    const res = await sim({ lead: { email: 'cfo@bmw.de', country: 'DE', employees: 120000 }, at: '2026-11-25T10:00:00Z' });
    expect(res.status).toBe(200);
    expect(res.body.assigned_rep_id).toBe([r.a, r.c].sort()[0]);
    expect(res.body.routing).toMatchObject({ rule_id: 'enterprise-emea', strategy: 'ROUND_ROBIN', ruleset_version: 1 });
    expect(res.body.routing.explanation.rules).toEqual([{ rule_id: 'enterprise-emea', matched: true }]);
    const candidates = res.body.routing.explanation.stages[0].candidates;
    expect(candidates).toEqual(expect.arrayContaining([{ rep_id: r.b, eligible: false, reason: 'AWAY' }, { rep_id: r.a, eligible: true }]));
    expect(res.body.sla_due_at).toBe('2026-11-25T10:15:00.000Z');
  });

  it('writes nothing: simulating twice gives the same rep', async () => {
    const lead = { email: 'x@bmw.de', country: 'DE', employees: 5000 };
    const one = await sim({ lead });
    const two = await sim({ lead });
    expect(two.body.assigned_rep_id).toBe(one.body.assigned_rep_id);
    expect(await api.deps.db('routing_pools').where({ org_id: o.orgId }).count('* as n').first()).toEqual({ n: 0 });
  });

  it('says the lead would wait when no rep is eligible', async () => {
    const res = await sim({ lead: { email: 'small@shop.io', country: 'US' } });
    expect(res.body.assigned_rep_id).toBeNull();
    expect(res.body.routing.explanation.source).toBe('FALLBACK');
    expect(res.body.routing.explanation.stages[0].candidates).toEqual([{ rep_id: r.s, eligible: false, reason: 'AT_CAPACITY' }]);
  });

  it('tries an unsaved ruleset or a draft by id', async () => {
    const inline = await sim({ lead: { email: 'a@b.io' }, ruleset: { rules: [{ id: 'all', then: { strategy: 'DIRECT', rep_id: r.c } }] } });
    expect(inline.body).toMatchObject({ assigned_rep_id: r.c, routing: { ruleset_id: null, rule_id: 'all' } });
    const draft = (await create({ name: 'draft', rules: [{ id: 'only', then: { strategy: 'DIRECT', rep_id: r.a } }] }, o)).body;
    const byId = await sim({ lead: { email: 'a@b.io' }, ruleset_id: draft.id });
    expect(byId.body).toMatchObject({ assigned_rep_id: r.a, routing: { ruleset_id: draft.id, ruleset_version: null } });
  });

  it('sees a draft as edited and a newly published version at once (published versions are compiled once and kept)', async () => {
    const other = await newOrg(api.deps.db);
    const [x, y] = [await makeRep(other, 'x', { teams: ['t'] }), await makeRep(other, 'y', { teams: ['t'] })];
    const to = (rep: string) => ({ rules: [{ id: 'all', then: { strategy: 'DIRECT', rep_id: rep } }] });
    const simulateIn = (body: object) => api.http.post('/v1/rules/simulate').set(other.auth).send({ lead: { email: 'a@b.io' }, ...body });
    const draft = (await create({ name: 'draft', ...to(x) }, other)).body;
    expect((await simulateIn({ ruleset_id: draft.id })).body.assigned_rep_id).toBe(x);
    await api.http.patch(`/v1/rules/${draft.id}`).set(other.auth).send(to(y)).expect(200);
    expect((await simulateIn({ ruleset_id: draft.id })).body.assigned_rep_id).toBe(y);
    await api.http.post(`/v1/rules/${draft.id}/publish`).set(other.auth).expect(200);
    expect((await simulateIn({})).body).toMatchObject({ assigned_rep_id: y, routing: { ruleset_id: draft.id, ruleset_version: 1 } });
    const next = (await create({ name: 'next', ...to(x) }, other)).body;
    await api.http.post(`/v1/rules/${next.id}/publish`).set(other.auth).expect(200);
    expect((await simulateIn({})).body).toMatchObject({ assigned_rep_id: x, routing: { ruleset_id: next.id } });
    // The earlier version, now archived, still answers as it was published.
    expect((await simulateIn({ ruleset_id: draft.id })).body.assigned_rep_id).toBe(y);
  });

  it('refuses a malformed lead with 422 naming the field', async () => {
    const res = await sim({ lead: { email: 'not-an-email', employees: 'many' } });
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['lead.email', 'lead.employees']));
  });

  it('answers 404 when there is no active ruleset', async () => {
    const empty = await newOrg(api.deps.db);
    const res = await api.http.post('/v1/rules/simulate').set(empty.auth).send({ lead: { email: 'a@b.io' } });
    expect(res.status).toBe(404);
  });
});
