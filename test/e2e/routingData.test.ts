import { waitFor } from '../helpers/wait';
import { newOrg, orgWithRules, publishRules, startApi, startWorker, type TestApi, type TestOrg, type TestWorker } from '../helpers/stack';

/**
 * Routing data real teams have (issue 15): leads updated after intake and routed again. Real API, Postgres,
 * Temporal and worker.
 */
let api: TestApi;
let worker: TestWorker;

beforeAll(async () => {
  api = startApi();
  worker = await startWorker();
});
afterAll(async () => {
  await worker.stop();
  await api.close();
});

const orgWith = (rules: object, reps: Array<Record<string, unknown>>) => orgWithRules(api, rules, reps);
const publish = (org: TestOrg, rules: object) => publishRules(api, org, rules);

const post = (org: TestOrg, body: object) => api.http.post('/v1/leads').set(org.auth).send(body);
const patch = (org: TestOrg, id: string, body: object) => api.http.patch(`/v1/leads/${id}`).set(org.auth).send(body);
const openLeads = async (org: TestOrg, repId: string) => (await api.http.get(`/v1/reps/${repId}`).set(org.auth)).body.open_leads;

describe('lead updates and re-routing', () => {
  it('routes an UNASSIGNED lead again when enrichment brings the field its rule needs, and records the change', async () => {
    const { org, reps } = await orgWith({ rules: [{ id: 'emea', when: { field: 'country', op: 'in', value: ['DE', 'FR'] }, then: { strategy: 'ROUND_ROBIN', team: 'emea' } }] }, [{ teams: ['emea'] }]);
    const lead = await post(org, { email: 'cto@unknown-co.com' });
    expect(lead.body).toMatchObject({ status: 'UNASSIGNED', unassigned_reason: 'NO_RULE_MATCHED' });

    const res = await patch(org, lead.body.id, { country: 'DE', employees: 800, attributes: { plan: 'pro' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ASSIGNED', assigned_rep_id: reps[0], country: 'DE', employees: 800, attributes: { plan: 'pro' } });
    expect(res.body.reroute).toEqual({ trigger: 'WAITING', fields: [], moved: true, message: null });
    const updated = res.body.timeline.find((e: { type: string }) => e.type === 'UPDATED');
    expect(updated.data.changes).toEqual({ country: { from: null, to: 'DE' }, employees: { from: null, to: 800 }, 'attributes.plan': { from: null, to: 'pro' } });
    expect(res.body.timeline.map((e: { type: string }) => e.type)).toEqual(['RECEIVED', 'ROUTED', 'UNASSIGNED', 'UPDATED', 'ASSIGNED']);
    expect(res.body.assignments[0]).toMatchObject({ rep_id: reps[0], reason: 'REROUTE', rule_id: 'emea' });
  });

  it("moves an assigned lead when a field in its rule's reroute_on_change changes, and not when another field does", async () => {
    const { org, reps } = await orgWith(
      {
        rules: [
          { id: 'us', when: { field: 'country', op: 'eq', value: 'US' }, then: { strategy: 'ROUND_ROBIN', team: 'us', sla: { first_touch_minutes: 30 } }, reroute_on_change: ['country'] },
          { id: 'de', when: { field: 'country', op: 'eq', value: 'DE' }, then: { strategy: 'ROUND_ROBIN', team: 'de' } },
        ],
      },
      [{ teams: ['us'] }, { teams: ['de'] }],
    );
    const lead = await post(org, { email: 'vp@mover.com', country: 'US', score: 10 });
    expect(lead.body).toMatchObject({ status: 'ASSIGNED', assigned_rep_id: reps[0] });

    const scored = await patch(org, lead.body.id, { score: 95 });
    expect(scored.status).toBe(200);
    expect(scored.body).toMatchObject({ assigned_rep_id: reps[0], score: 95, reroute: { trigger: null, moved: false } });
    expect(scored.body.assignments).toHaveLength(1);

    const moved = await patch(org, lead.body.id, { country: 'DE' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ status: 'ASSIGNED', assigned_rep_id: reps[1], reroute: { trigger: 'RULE', fields: ['country'], moved: true } });
    expect(moved.body.routing.rule_id).toBe('de');
    const reassigned = moved.body.timeline.filter((e: { type: string }) => e.type === 'REASSIGNED');
    expect(reassigned).toHaveLength(1);
    expect(reassigned[0].data).toMatchObject({ reason: 'REROUTE', previous_rep_id: reps[0], rule_id: 'de' });
    expect(await openLeads(org, reps[0]!)).toBe(0);
    expect(await openLeads(org, reps[1]!)).toBe(1);
  });

  it('keeps an assigned lead with its rep when the same rule still matches after a watched field changes', async () => {
    const { org, reps } = await orgWith(
      { rules: [{ id: 'emea', when: { field: 'country', op: 'in', value: ['DE', 'FR'] }, then: { strategy: 'ROUND_ROBIN', team: 'emea' }, reroute_on_change: ['country'] }] },
      [{ teams: ['emea'] }, { teams: ['emea'] }],
    );
    const lead = await post(org, { email: 'ceo@stay.fr', country: 'DE' });
    const first = lead.body.assigned_rep_id;
    const res = await patch(org, lead.body.id, { country: 'FR' });
    expect(res.body).toMatchObject({ assigned_rep_id: first, reroute: { trigger: 'RULE', moved: false } });
    expect(res.body.reroute.message).toMatch(/rule emea still matches/);
    expect(reps).toContain(first);
    expect(res.body.assignments).toHaveLength(1);
  });

  it('routes an assigned lead again on reroute: true, and refuses it for a closed lead without changing anything', async () => {
    const { org, reps } = await orgWith({ rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sales' } }] }, [{ teams: ['sales'] }, { teams: ['sales'] }]);
    const lead = await post(org, { email: 'buyer@again.io' });
    const res = await patch(org, lead.body.id, { reroute: true });
    expect(res.status).toBe(200);
    expect(res.body.reroute).toMatchObject({ trigger: 'REQUESTED', moved: true });
    expect(res.body.assigned_rep_id).toBe(reps.find((r) => r !== lead.body.assigned_rep_id));

    expect((await api.http.post(`/v1/leads/${lead.body.id}/close`).set(org.auth).send({ reason: 'won' })).status).toBe(200);
    const refused = await patch(org, lead.body.id, { reroute: true, company: 'Again Inc' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/closed/);
    expect((await api.http.get(`/v1/leads/${lead.body.id}`).set(org.auth)).body.company).toBeNull();
  });

  it('refuses fields that say who the lead is, and unknown fields, with 422 at the field', async () => {
    const { org } = await orgWith({ rules: [] }, []);
    const lead = await post(org, { email: 'who@am.io' });
    const res = await patch(org, lead.body.id, { email: 'other@am.io' });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body.error.details)).toMatch(/email/);
    expect((await patch(org, 'lead_0mijkl000abcdefghijklm', { country: 'DE' })).status).toBe(404);
  });
});

describe('re-routing a selection as one job', () => {
  it("moves all of a rep's open leads to the team the new ruleset names, and tells how far it got", async () => {
    const { org, reps } = await orgWith({ rules: [{ id: 'old', then: { strategy: 'ROUND_ROBIN', team: 'old' } }] }, [{ teams: ['old'] }, { teams: ['new'] }]);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await post(org, { email: `lead${i}@job.io` })).body.id);
    const closed = (await post(org, { email: 'closed@job.io' })).body.id;
    await api.http.post(`/v1/leads/${closed}/close`).set(org.auth).send({ reason: 'lost' });
    await publish(org, { rules: [{ id: 'new', then: { strategy: 'ROUND_ROBIN', team: 'new' } }] });

    const dry = await api.http.post('/v1/leads/reroute').set(org.auth).send({ rep_id: reps[0], dry_run: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ id: null, status: 'DRY_RUN', selected: 3, lead_ids: ids });
    expect((await api.http.get(`/v1/leads/${ids[0]}`).set(org.auth)).body.assigned_rep_id).toBe(reps[0]);

    const started = await api.http.post('/v1/leads/reroute').set(org.auth).send({ rep_id: reps[0] });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: 'RUNNING', selected: 3, selection: { rep_id: reps[0] } });
    const done = await waitFor(async () => {
      const job = await api.http.get(`/v1/reroute-jobs/${started.body.id}`).set(org.auth);
      return job.body.status === 'COMPLETED' ? job.body : null;
    }, { what: 're-route job completed' });
    expect(done).toMatchObject({ processed: 3, moved: 3, unchanged: 0, failed: 0 });
    for (const id of ids) expect((await api.http.get(`/v1/leads/${id}`).set(org.auth)).body).toMatchObject({ assigned_rep_id: reps[1], routing: { rule_id: 'new' } });
    expect(await openLeads(org, reps[0]!)).toBe(0);
  });

  it('refuses a job without any filter, and a filter on closed leads, with 422', async () => {
    const { org } = await orgWith({ rules: [] }, []);
    const none = await api.http.post('/v1/leads/reroute').set(org.auth).send({ limit: 10 });
    expect(none.status).toBe(422);
    expect(none.body.error.details[0].message).toMatch(/at least one of status, rep_id/);
    expect((await api.http.post('/v1/leads/reroute').set(org.auth).send({ status: ['CLOSED'] })).status).toBe(422);
    expect((await api.http.get('/v1/reroute-jobs/rrj_0mijkl000abcdefghijklm').set(org.auth)).status).toBe(404);
  });
});

describe('sticky ownership and accounts', () => {
  const ownerRules = {
    rules: [
      {
        id: 'owner-first',
        then: { strategy: 'OWNER', fallback: { strategy: 'ROUND_ROBIN', team: 'ae', set_owner: true } },
      },
    ],
  };

  it("sends the second lead from a company to the rep who got the first, through the account the first one created", async () => {
    const { org, reps } = await orgWith(ownerRules, [{ teams: ['ae'] }, { teams: ['ae'] }, { teams: ['ae'] }]);
    const first = await post(org, { email: 'cfo@Mail.Initech.co.uk', company: 'Initech' });
    expect(first.body).toMatchObject({ status: 'ASSIGNED', account_domain: 'initech.co.uk' });
    const owner = first.body.assigned_rep_id;
    const account = await api.http.get('/v1/accounts/initech.co.uk').set(org.auth);
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({ domain: 'initech.co.uk', name: 'Initech', owner_rep_id: owner });

    // Another person, another sub-domain, same company: the owner, not the next rep in the rotation.
    const second = await post(org, { email: 'cto@eu.initech.co.uk' });
    expect(second.body).toMatchObject({ status: 'ASSIGNED', assigned_rep_id: owner, account_domain: 'initech.co.uk' });
    expect(second.body.routing.explanation.stages[0]).toMatchObject({ strategy: 'OWNER', rep_id: owner });
    const third = await post(org, { email: 'ceo@initech.co.uk', domain: 'WWW.initech.co.uk' });
    expect(third.body.assigned_rep_id).toBe(owner);

    const listed = await api.http.get('/v1/leads?account=initech.co.uk').set(org.auth);
    expect(listed.body.map((l: { id: string }) => l.id).sort()).toEqual([first.body.id, second.body.id, third.body.id].sort());
    expect(reps).toContain(owner);
  });

  it('ignores free-mail domains: two gmail leads are not one company', async () => {
    const { org } = await orgWith(ownerRules, [{ teams: ['ae'] }, { teams: ['ae'] }]);
    const a = await post(org, { email: 'someone@gmail.com' });
    const b = await post(org, { email: 'another@googlemail.com' });
    expect(a.body.account_domain).toBeNull();
    expect(b.body.account_domain).toBeNull();
    expect(b.body.assigned_rep_id).not.toBe(a.body.assigned_rep_id);
    expect((await api.http.get('/v1/accounts').set(org.auth)).body).toEqual([]);
  });

  it('an owner set by hand on an account takes its leads; an away owner falls back as the rule says', async () => {
    const { org, reps } = await orgWith(ownerRules, [{ teams: ['ae'] }, { teams: ['ae'] }, { teams: ['named'] }]);
    const put = await api.http.put('/v1/accounts/globex.com').set(org.auth).send({ name: 'Globex', owner_rep_id: reps[2], attributes: { tier: 'named' } });
    expect(put.status).toBe(200);
    expect((await post(org, { email: 'hank@globex.com' })).body.assigned_rep_id).toBe(reps[2]);

    await api.http.patch(`/v1/reps/${reps[2]}`).set(org.auth).send({ status: 'AWAY' });
    const fell = await post(org, { email: 'frank@globex.com' });
    expect([reps[0], reps[1]]).toContain(fell.body.assigned_rep_id);
    expect(fell.body.routing.explanation.stages[0].candidates).toEqual([{ rep_id: reps[2], eligible: false, reason: 'AWAY' }]);
    // The fallback sets owners: the account moves to the rep who took it.
    expect((await api.http.get('/v1/accounts/globex.com').set(org.auth)).body.owner_rep_id).toBe(fell.body.assigned_rep_id);

    const bad = await api.http.put('/v1/accounts/globex.com').set(org.auth).send({ owner_rep_id: 'rep_0mijkl000abcdefghijklm' });
    expect(bad.status).toBe(422);
    expect((await api.http.put('/v1/accounts/WWW.Globex.com').set(org.auth).send({})).body).toMatchObject({ domain: 'globex.com', name: 'Globex' });
    expect((await api.http.put('/v1/accounts/not_a_domain').set(org.auth).send({})).status).toBe(404);
    expect((await api.http.get('/v1/accounts/unknown.com').set(org.auth)).status).toBe(404);
  });
});

describe('accounts, page by page', () => {
  it('lists accounts in domain order across pages, filtered by domain and its sub-domains', async () => {
    const org = await newOrg(api.deps.db);
    for (const d of ['b.com', 'a.com', 'eu.a.com', 'c.org']) expect((await api.http.put(`/v1/accounts/${d}`).set(org.auth).send({ name: d })).status).toBe(200);
    const first = await api.http.get('/v1/accounts?limit=2').set(org.auth);
    expect(first.body.map((a: { domain: string }) => a.domain)).toEqual(['a.com', 'b.com']);
    const next = first.headers.link!.match(/<([^>]+)>/)![1]!;
    const second = await api.http.get(next.replace(/^https?:\/\/[^/]+/, '')).set(org.auth);
    expect(second.body.map((a: { domain: string }) => a.domain)).toEqual(['c.org', 'eu.a.com']);
    const family = await api.http.get('/v1/accounts?domain=a.com').set(org.auth);
    expect(family.body.map((a: { domain: string }) => a.domain)).toEqual(['a.com', 'eu.a.com']);
  });
});

describe('territories as named lists', () => {
  it('routes by a list, and a territory edit changes routing on the next lead once the ruleset is published again', async () => {
    const org = await newOrg(api.deps.db);
    const rep = async (team: string) => (await api.http.post('/v1/reps').set(org.auth).send({ name: team, email: `${team}@seller.io`, teams: [team] })).body.id as string;
    const emea = await rep('emea');
    const row = await rep('row');
    const big = Array.from({ length: 99_990 }, (_, i) => `X${i}`);
    const put = await api.http.put('/v1/lists/emea-countries').set(org.auth).send({ description: 'EMEA', values: ['DE', 'FR', ...big] });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: 'emea-countries', value_count: 99_992, used_by: [] });
    const rules = { rules: [{ id: 'emea', when: { field: 'country', op: 'in_list', value: 'emea-countries' }, then: { strategy: 'ROUND_ROBIN', team: 'emea' } }], fallback: { strategy: 'ROUND_ROBIN', team: 'row' } };
    await publish(org, rules);

    expect((await post(org, { email: 'a@uk-co.com', country: 'GB' })).body.assigned_rep_id).toBe(row);
    const de = await post(org, { email: 'b@de-co.com', country: 'DE' });
    expect(de.body.assigned_rep_id).toBe(emea);
    expect(de.body.routing.explanation.rules[0]).toEqual({ rule_id: 'emea', matched: true });
    // A simulation of rules not yet saved reads the lists as they are now (the API keeps their values by content).
    const simulateGB = async () => (await api.http.post('/v1/rules/simulate').set(org.auth).send({ lead: { email: 's@uk-co.com', country: 'GB' }, ruleset: rules }).expect(200)).body.assigned_rep_id;
    expect(await simulateGB()).toBe(row);

    // The edit alone changes nothing: the active version routes with the values it was published with.
    await api.http.put('/v1/lists/emea-countries').set(org.auth).send({ values: ['DE', 'FR', 'GB'] });
    expect(await simulateGB()).toBe(emea);
    const before = await post(org, { email: 'c@uk-co.com', country: 'GB' });
    expect(before.body.assigned_rep_id).toBe(row);
    expect(before.body.routing.explanation.rules[0].failed).toMatchObject({ op: 'in_list', value: 'emea-countries', actual: 'GB' });
    const active = (await api.http.get('/v1/rules/active').set(org.auth)).body;
    expect((await api.http.get('/v1/lists/emea-countries').set(org.auth)).body.used_by).toEqual([{ id: active.id, status: 'ACTIVE' }]);

    const republished = await api.http.post(`/v1/rules/${active.id}/publish`).set(org.auth);
    expect(republished.status).toBe(200);
    expect(republished.body).toMatchObject({ status: 'ACTIVE', version: active.version + 1, lists: { 'emea-countries': { value_count: 3 } } });
    expect(republished.body.id).not.toBe(active.id);
    const after = await post(org, { email: 'd@uk-co.com', country: 'GB' });
    expect(after.body).toMatchObject({ assigned_rep_id: emea, routing: { ruleset_version: active.version + 1 } });
    // Publishing again with nothing changed is a no-op.
    expect((await api.http.post(`/v1/rules/${republished.body.id}/publish`).set(org.auth)).body.id).toBe(republished.body.id);
  });

  it('refuses a list of 100,001 values, an unknown list in a condition, and deleting a list in use, naming the place; nothing is written', async () => {
    const org = await newOrg(api.deps.db);
    await api.http.post('/v1/reps').set(org.auth).send({ name: 'r', email: 'r@seller.io', teams: ['t'] });
    const tooMany = await api.http.put('/v1/lists/huge').set(org.auth).send({ values: Array.from({ length: 100_001 }, (_, i) => i) });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.details[0].path).toBe('values');
    expect((await api.http.get('/v1/lists/huge').set(org.auth)).status).toBe(404);

    const unknown = await api.http.post('/v1/rules').set(org.auth).send({ name: 'x', rules: [{ id: 'r', when: { all: [{ field: 'country', op: 'in_list', value: 'nowhere' }] }, then: { strategy: 'ROUND_ROBIN', team: 't' } }] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.details).toEqual([{ path: 'rules[0].when.all[0].value', message: expect.stringMatching(/unknown list "nowhere"/) }]);
    expect((await api.http.get('/v1/rules').set(org.auth)).body).toEqual([]);

    await api.http.put('/v1/lists/somewhere').set(org.auth).send({ values: ['US'] });
    const draft = await api.http.post('/v1/rules').set(org.auth).send({ name: 'x', rules: [{ id: 'r', when: { field: 'country', op: 'not_in_list', value: 'somewhere' }, then: { strategy: 'ROUND_ROBIN', team: 't' } }] });
    expect(draft.status).toBe(200);
    const del = await api.http.delete('/v1/lists/somewhere').set(org.auth);
    expect(del.status).toBe(409);
    expect(del.body.error.message).toContain(draft.body.id);
    const audit = await api.http.get('/v1/audit?resource_type=list').set(org.auth);
    expect(audit.body.map((e: { action: string; resource_id: string }) => `${e.action} ${e.resource_id}`)).toEqual(['updated somewhere']);
  });
});

describe('holidays and business calendars', () => {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

  it('gives a lead received on a holiday a business-hours deadline after it', async () => {
    const { org, reps } = await orgWith({ rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'ae', sla: { first_touch_minutes: 60, business_hours: true } } }] }, [{ teams: ['ae'], timezone: 'UTC' }]);
    const cal = await api.http.post('/v1/calendars').set(org.auth).send({ name: 'Holidays', timezone: 'UTC', scope: 'TEAM', team: 'ae', closures: [{ date: day(0), name: 'Founders day' }, { date: day(1) }] });
    expect(cal.status).toBe(200);
    const lead = await post(org, { email: 'holiday@buyer.io' });
    expect(lead.body).toMatchObject({ status: 'ASSIGNED', assigned_rep_id: reps[0] });
    // A rep without working hours works around the clock, except when the calendar says closed.
    const firstOpen = Date.parse(`${day(2)}T00:00:00Z`);
    expect(lead.body.sla_due_at).toBe(new Date(firstOpen + 60 * 60_000).toISOString());
  });

  it('skips reps on holiday when the rule respects working hours, and the simulator agrees on the deadline', async () => {
    const hours = { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '17:00']] };
    const { org, reps } = await orgWith(
      { rules: [{ id: 'de', then: { strategy: 'ROUND_ROBIN', team: 'de', respect_working_hours: true, sla: { first_touch_minutes: 60, business_hours: true } } }] },
      [{ teams: ['de'], timezone: 'Europe/Berlin', working_hours: hours }],
    );
    await api.http.post('/v1/calendars').set(org.auth).send({ name: 'DE', timezone: 'Europe/Berlin', scope: 'ORGANIZATION', closures: [{ date: '2026-12-24' }, { date: '2026-12-25' }, { date: '2026-12-31', from: '13:00' }] });
    const onEve = await api.http.post('/v1/rules/simulate').set(org.auth).send({ lead: { email: 'x@y.de' }, at: '2026-12-24T09:00:00Z' });
    expect(onEve.body.assigned_rep_id).toBeNull();
    expect(onEve.body.routing.explanation.stages[0].candidates).toEqual([{ rep_id: reps[0], eligible: false, reason: 'HOLIDAY' }]);
    const before = await api.http.post('/v1/rules/simulate').set(org.auth).send({ lead: { email: 'x@y.de' }, at: '2026-12-23T15:30:00Z' });
    expect(before.body).toMatchObject({ assigned_rep_id: reps[0], sla_due_at: '2026-12-28T08:30:00.000Z' });
    const listed = await api.http.get(`/v1/calendars?rep_id=${reps[0]}`).set(org.auth);
    expect(listed.body.map((c: { name: string }) => c.name)).toEqual(['DE']);
  });

  it('refuses overlapping closures and a half day that ends before it starts, naming the place; nothing is written', async () => {
    const org = await newOrg(api.deps.db);
    const overlap = await api.http.post('/v1/calendars').set(org.auth).send({ name: 'x', timezone: 'UTC', scope: 'ORGANIZATION', closures: [{ date: '2026-12-31', from: '12:00' }, { date: '2026-12-31', from: '09:00', to: '13:00' }] });
    expect(overlap.status).toBe(422);
    expect(overlap.body.error.details).toEqual([{ path: 'closures[1]', message: 'overlaps closures[0] on 2026-12-31' }]);
    const backwards = await api.http.post('/v1/calendars').set(org.auth).send({ name: 'x', timezone: 'UTC', scope: 'ORGANIZATION', closures: [{ date: '2026-12-31', from: '14:00', to: '13:00' }] });
    expect(backwards.body.error.details[0].path).toBe('closures[0].to');
    const noTeam = await api.http.post('/v1/calendars').set(org.auth).send({ name: 'x', timezone: 'UTC', scope: 'TEAM' });
    expect(noTeam.body.error.details).toEqual([{ path: 'team', message: 'TEAM needs team' }]);
    const mars = await api.http.post('/v1/calendars').set(org.auth).send({ name: 'x', timezone: 'Mars/Olympus', scope: 'ORGANIZATION' });
    expect(mars.body.error.details[0]).toMatchObject({ path: 'timezone', message: expect.stringMatching(/unknown IANA time zone/) });
    expect((await api.http.get('/v1/calendars').set(org.auth)).body).toEqual([]);
  });
});
