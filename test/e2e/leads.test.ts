import { orgWithRules, startApi, startWorker, type TestApi, type TestOrg, type TestWorker } from '../helpers/stack';
import { TimelineEvent } from '../../src/schemas/timeline';
import { sweepOnce } from '../../src/worker/sweeper';
import { waitFor } from '../helpers/wait';

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

const setup = (rules: object, reps: Array<Record<string, unknown>>) => orgWithRules(api, rules, reps);

const lead = (org: TestOrg, body: object, query = '') => api.http.post(`/v1/leads${query}`).set(org.auth).send(body);
const get = (org: TestOrg, id: string) => api.http.get(`/v1/leads/${id}`).set(org.auth);

describe('a lead through the whole stack', () => {
  it('is assigned to the rep the ruleset names — the same one /v1/rules/simulate predicts — and a CALL makes it CONTACTED', async () => {
    const { org, reps } = await setup(
      {
        rules: [
          {
            id: 'enterprise-emea',
            when: { all: [{ field: 'country', op: 'in', value: ['DE', 'FR'] }, { field: 'employees', op: 'gte', value: 1000 }] },
            then: { strategy: 'ROUND_ROBIN', team: 'emea-ae', sla: { first_touch_minutes: 60 } },
          },
        ],
        fallback: { strategy: 'ROUND_ROBIN', team: 'sdr' },
      },
      [{ teams: ['emea-ae'] }, { teams: ['emea-ae'] }, { teams: ['sdr'] }],
    );
    const body = { email: 'CFO@bmw.de', first_name: 'Ada', country: 'DE', employees: 120000, external_id: 'crm-1' };
    const simulated = await api.http.post('/v1/rules/simulate').set(org.auth).send({ lead: body });
    expect(simulated.status).toBe(200);

    const res = await lead(org, body);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ASSIGNED');
    expect(res.body.assigned_rep_id).toBe(simulated.body.assigned_rep_id);
    expect([reps[0], reps[1]]).toContain(res.body.assigned_rep_id);
    expect(res.body.routing.rule_id).toBe('enterprise-emea');
    expect(res.body.routing.explanation.stages[0].candidates.length).toBe(2);
    expect(res.body.workflow_id).toBe(`lead-${res.body.id}`);
    expect(Date.parse(res.body.sla_due_at) - Date.parse(res.body.received_at)).toBeGreaterThan(59 * 60_000);

    expect(res.body.routing).toMatchObject({ ruleset_version: 1, strategy: 'ROUND_ROBIN' });
    expect(res.body.sla).toMatchObject({ first_touch_minutes: 60 });
    const detail = await get(org, res.body.id);
    // What POST answered from the workflow's decision is what the database says.
    const { assignments: _a, timeline: _t, updated_at: _u, ...stored } = detail.body;
    const { updated_at: _u2, duplicate, ...answered } = res.body;
    expect(duplicate).toBe(false);
    expect(answered).toEqual(stored);
    expect(detail.body.timeline.map((e: { type: string }) => e.type)).toEqual(['RECEIVED', 'ROUTED', 'ASSIGNED']);
    expect(detail.body.assignments).toHaveLength(1);
    expect(detail.body.contact_id).toMatch(/^ct_/);
    const repAfter = await api.http.get(`/v1/reps/${res.body.assigned_rep_id}`).set(org.auth);
    expect(repAfter.body.open_leads).toBe(1);

    // A NOTE, and a call by someone else, do not count as the first touch.
    const note = await api.http.post(`/v1/contacts/${res.body.contact_id}/activities`).set(org.auth).send({ type: 'NOTE', rep_id: res.body.assigned_rep_id });
    expect(note.body.first_touch).toBe(false);
    const other = await api.http.post(`/v1/contacts/${res.body.contact_id}/activities`).set(org.auth).send({ type: 'CALL', rep_id: reps[2] });
    expect(other.body.first_touch).toBe(false);
    expect((await get(org, res.body.id)).body.status).toBe('ASSIGNED');

    const call = await api.http
      .post(`/v1/contacts/${res.body.contact_id}/activities`)
      .set(org.auth)
      .send({ type: 'CALL', notes: 'Discussed expansion to 50 seats.', outcome: 'POSITIVE', rep_id: res.body.assigned_rep_id });
    expect(call.status).toBe(200);
    expect(call.body).toMatchObject({ first_touch: true, lead_id: res.body.id });
    const contacted = await get(org, res.body.id);
    expect(contacted.body.status).toBe('CONTACTED');
    expect(contacted.body.first_touch_at).not.toBeNull();
    expect(contacted.body.sla_due_at).toBeNull();
    expect(contacted.body.timeline.map((e: { type: string }) => e.type)).toContain('CONTACTED');
  });

  it('deduplicates: the same external_id, or the same Idempotency-Key, is the same lead and one workflow', async () => {
    const { org } = await setup({ rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] }, [{ teams: ['sdr'] }]);
    const first = await lead(org, { email: 'a@acme.io', external_id: 'sf-42' });
    const second = await lead(org, { email: 'a@acme.io', external_id: 'sf-42', company: 'Acme' });
    expect(second.body.id).toBe(first.body.id);
    const k1 = await api.http.post('/v1/leads').set(org.auth).set('Idempotency-Key', 'form-7').send({ email: 'b@acme.io' });
    const k2 = await api.http.post('/v1/leads').set(org.auth).set('Idempotency-Key', 'form-7').send({ email: 'b@acme.io' });
    expect(k2.body.id).toBe(k1.body.id);
    const all = await api.http.get('/v1/leads').set(org.auth);
    expect(all.body).toHaveLength(2);
    const executions = [];
    for await (const wf of api.deps.temporal.client.workflow.list({ query: `WorkflowId = 'lead-${first.body.id}'` })) executions.push(wf);
    expect(executions).toHaveLength(1);
  });

  it('waits UNASSIGNED when nobody is eligible, and is routed as soon as a rep becomes available', async () => {
    const { org, reps } = await setup({ rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] }, [{ teams: ['sdr'], status: 'AWAY' }]);
    const res = await lead(org, { email: 'waiting@acme.io' });
    expect(res.body).toMatchObject({ status: 'UNASSIGNED', unassigned_reason: 'NO_ELIGIBLE_REP', assigned_rep_id: null });
    expect(res.body.routing.explanation.stages[0].candidates).toEqual([{ rep_id: reps[0], eligible: false, reason: 'AWAY' }]);

    const found = await waitFor(
      async () => {
        const out = [];
        for await (const wf of api.deps.temporal.client.workflow.list({ query: `RouteswitOrgId = '${org.orgId}' AND RouteswitLeadStatus = 'UNASSIGNED'` })) out.push(wf.workflowId);
        return out.length ? out : null;
      },
      { what: 'the lead in visibility as UNASSIGNED' },
    );
    expect(found).toEqual([`lead-${res.body.id}`]);

    await api.http.patch(`/v1/reps/${reps[0]}`).set(org.auth).send({ status: 'AVAILABLE' });
    const assigned = await waitFor(async () => ((await get(org, res.body.id)).body.status === 'ASSIGNED' ? (await get(org, res.body.id)).body : null), {
      what: 'the waiting lead to be assigned',
    });
    expect(assigned.assigned_rep_id).toBe(reps[0]);
  });

  it('moves untouched leads off a rep who goes OFFLINE with reassign_open_leads', async () => {
    const { org, reps } = await setup({ rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] }, [{ teams: ['sdr'] }, { teams: ['sdr'] }]);
    const res = await lead(org, { email: 'moving@acme.io' });
    const from = res.body.assigned_rep_id as string;
    const to = reps.find((r) => r !== from)!;
    expect((await api.http.patch(`/v1/reps/${from}`).set(org.auth).send({ status: 'OFFLINE', reassign_open_leads: true })).status).toBe(200);
    const moved = await waitFor(async () => {
      const d = (await get(org, res.body.id)).body;
      return d.assigned_rep_id === to ? d : null;
    }, { what: 'the lead to move to the other rep' });
    expect(moved.timeline.map((e: { type: string }) => e.type)).toContain('REASSIGNED');
    expect((await api.http.get(`/v1/reps/${from}`).set(org.auth)).body.open_leads).toBe(0);
    expect((await api.http.get(`/v1/reps/${to}`).set(org.auth)).body.open_leads).toBe(1);
  });

  it('reassigns on request and closes; a closed lead cannot be changed (409)', async () => {
    const { org, reps } = await setup({ rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] }, [{ teams: ['sdr'] }, { teams: ['sdr'] }, { teams: ['x'] }]);
    const res = await lead(org, { email: 'manual@acme.io' });
    const r1 = await api.http.post(`/v1/leads/${res.body.id}/reassign`).set(org.auth).send({ rep_id: reps[2] });
    expect(r1.status).toBe(200);
    expect(r1.body.assigned_rep_id).toBe(reps[2]);
    const same = await api.http.post(`/v1/leads/${res.body.id}/reassign`).set(org.auth).send({ rep_id: reps[2] });
    expect(same.status).toBe(409);
    await api.http.patch(`/v1/reps/${reps[0]}`).set(org.auth).send({ status: 'AWAY' });
    const away = await api.http.post(`/v1/leads/${res.body.id}/reassign`).set(org.auth).send({ rep_id: reps[0] });
    expect(away.status).toBe(409);
    expect(away.body.error.message).toMatch(/AWAY/);
    expect((await get(org, res.body.id)).body.assigned_rep_id).toBe(reps[2]);

    const closed = await api.http.post(`/v1/leads/${res.body.id}/close`).set(org.auth).send({ reason: 'duplicate' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: 'CLOSED', close_reason: 'duplicate' });
    expect(closed.body.assignments.every((a: { ended_at: string | null }) => a.ended_at !== null)).toBe(true);
    expect((await api.http.get(`/v1/reps/${reps[2]}`).set(org.auth)).body.open_leads).toBe(0);
    expect((await api.http.post(`/v1/leads/${res.body.id}/close`).set(org.auth).send({ reason: 'again' })).status).toBe(409);
    expect((await api.http.post(`/v1/leads/${res.body.id}/reassign`).set(org.auth).send({})).status).toBe(409);
    const wf = await api.deps.temporal.client.workflow.getHandle(`lead-${res.body.id}`).result();
    expect(wf.status).toBe('CLOSED');
  });

  it('escalates a missed seconds-scale SLA: breach, then reassignment to a rep who has not had the lead', async () => {
    const { org, reps } = await setup(
      {
        rules: [
          {
            id: 'fast',
            then: {
              strategy: 'ROUND_ROBIN',
              team: 'sdr',
              sla: { first_touch_minutes: 0.05, escalations: [{ after_minutes: 0, action: 'REMIND' }, { after_minutes: 0.02, action: 'REASSIGN' }], max_reassignments: 1 },
            },
          },
        ],
      },
      [{ teams: ['sdr'] }, { teams: ['sdr'] }],
    );
    const res = await lead(org, { email: 'slow@acme.io' });
    const first = res.body.assigned_rep_id as string;
    const done = await waitFor(async () => {
      const d = (await get(org, res.body.id)).body;
      return d.timeline.some((e: { type: string }) => e.type === 'ALERT') ? d : null;
    }, { timeoutMs: 20_000, what: 'escalations to exhaust' });
    const types = done.timeline.map((e: { type: string }) => e.type);
    // The reps have no way to be reached in this org, so each notification is recorded as skipped beside its step.
    expect(types).toEqual(['RECEIVED', 'ROUTED', 'ASSIGNED', 'SLA_BREACHED', 'REMINDED', 'NOTIFIED', 'REASSIGNED', 'SLA_BREACHED', 'REMINDED', 'NOTIFIED', 'UNASSIGNED', 'ALERT', 'NOTIFIED']);
    expect(done.assignments.map((a: { rep_id: string }) => a.rep_id)).toEqual([first, reps.find((r) => r !== first)]);
    expect(done).toMatchObject({ status: 'UNASSIGNED', unassigned_reason: 'MAX_REASSIGNMENTS', reassignment_count: 1 });
    // Every event's data is what the API documents for its type, in snake_case.
    for (const e of done.timeline) {
      expect({ type: e.type, problems: TimelineEvent.safeParse(e).error?.issues ?? [] }).toEqual({ type: e.type, problems: [] });
      expect(Object.keys(e.data).filter((k) => /[A-Z]/.test(k))).toEqual([]);
    }
    for (const r of reps) expect((await api.http.get(`/v1/reps/${r}`).set(org.auth)).body.open_leads).toBe(0);
  });
});

describe('reading leads', () => {
  it('lists newest first, filters by status, rep and creation time, and pages', async () => {
    const { org, reps } = await setup({ rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] }, [{ teams: ['sdr'] }, { teams: ['sdr'] }]);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await lead(org, { email: `list${i}@acme.io` })).body.id);
    await api.http.post(`/v1/leads/${ids[0]}/close`).set(org.auth).send({ reason: 'test' });
    const all = await api.http.get('/v1/leads?limit=2').set(org.auth);
    expect(all.body.map((l: { id: string }) => l.id)).toEqual([ids[4], ids[3]]);
    const next = /<([^>]+)>; rel="next"/.exec(all.headers.link)![1]!;
    expect((await api.http.get(next).set(org.auth)).body.map((l: { id: string }) => l.id)).toEqual([ids[2], ids[1]]);
    const closed = await api.http.get('/v1/leads?status=CLOSED').set(org.auth);
    expect(closed.body.map((l: { id: string }) => l.id)).toEqual([ids[0]]);
    const byRep = await api.http.get(`/v1/leads?rep_id=${reps[0]}&status=ASSIGNED`).set(org.auth);
    expect(byRep.body.every((l: { assigned_rep_id: string }) => l.assigned_rep_id === reps[0])).toBe(true);
    expect(byRep.body.length).toBeGreaterThan(0);
    const future = await api.http.get(`/v1/leads?created_after=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`).set(org.auth);
    expect(future.body).toEqual([]);
    const past = await api.http.get(`/v1/leads?created_before=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&limit=500`).set(org.auth);
    expect(past.body).toHaveLength(5);
    expect((await api.http.get('/v1/leads?status=LOST').set(org.auth)).status).toBe(422);
  });

  it('routes OWNER leads to the contact owner, then to the owner of the company domain', async () => {
    const { org, reps } = await setup(
      { rules: [{ id: 'owner', then: { strategy: 'OWNER', fallback: { strategy: 'ROUND_ROBIN', team: 'sdr' } } }] },
      [{ teams: ['ae'] }, { teams: ['sdr'] }],
    );
    await api.http.post('/v1/contacts').set(org.auth).send({ email: 'champion@bigco.com', owner_rep_id: reps[0] });
    const known = await lead(org, { email: 'champion@bigco.com' });
    expect(known.body.assigned_rep_id).toBe(reps[0]);
    const colleague = await lead(org, { email: 'colleague@bigco.com' });
    expect(colleague.body.assigned_rep_id).toBe(reps[0]);
    const stranger = await lead(org, { email: 'someone@elsewhere.com' });
    expect(stranger.body.assigned_rep_id).toBe(reps[1]);
    expect(stranger.body.routing.explanation.stages.map((s: { strategy: string }) => s.strategy)).toEqual(['OWNER', 'ROUND_ROBIN']);
  });
});

describe('when Temporal cannot be reached', () => {
  it('still accepts and stores the lead, and the sweeper starts its workflow later', async () => {
    const { org } = await setup({ rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] }, [{ teams: ['sdr'] }]);
    const cut = startApi({ TEMPORAL_ADDRESS: '127.0.0.1:1' });
    try {
      const res = await cut.http.post('/v1/leads').set(org.auth).send({ email: 'offline@acme.io' });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('ROUTING');
      const swept = await sweepOnce(api.deps, 0);
      expect(swept.started).toBeGreaterThanOrEqual(1);
      const assigned = await waitFor(async () => ((await get(org, res.body.id)).body.status === 'ASSIGNED' ? true : null), { what: 'the swept lead to be routed' });
      expect(assigned).toBe(true);
    } finally {
      await cut.close();
    }
  });
});
