import { refreshRollups } from '../../src/db/rollups';
import { newId } from '../../src/ids';
import { newOrg, startApi, type TestApi, type TestOrg } from '../helpers/stack';

/**
 * A hand-made history of seven leads, and every metric checked against the figures worked out by hand in
 * the comments. Rows are written directly: the point is the arithmetic, not the routing.
 */
let api: TestApi;
let org: TestOrg;
const rep: Record<'A' | 'B' | 'C', string> = { A: '', B: '', C: '' };
const T0 = Date.parse('2026-11-20T10:00:00Z');
const S = 1000;
const MIN = 60_000;
const H = 3_600_000;
const at = (ms: number) => new Date(T0 + ms);

interface LeadFixture {
  received: number;
  team?: string;
  rep?: 'A' | 'B' | 'C';
  assigned?: number;
  touched?: number;
  breached?: number;
  breachedBy?: 'A' | 'B' | 'C';
  sla?: boolean;
  rule?: string;
  status: string;
  reassignments?: number;
}

async function lead(f: LeadFixture): Promise<string> {
  const id = newId('lead');
  const contact = newId('contact');
  await api.deps.db('contacts').insert({ id: contact, org_id: org.orgId, email: `${id}@fixture.io` });
  await api.deps.db('leads').insert({
    id,
    org_id: org.orgId,
    contact_id: contact,
    email: `${id}@fixture.io`,
    status: f.status,
    workflow_id: `lead-${id}`,
    received_at: at(f.received),
    team: f.team ?? null,
    assigned_rep_id: f.rep ? rep[f.rep] : null,
    assigned_at: f.assigned === undefined ? null : at(f.received + f.assigned),
    first_touch_at: f.touched === undefined ? null : at(f.received + f.touched),
    breached_at: f.breached === undefined ? null : at(f.received + f.breached),
    breached_rep_id: f.breachedBy ? rep[f.breachedBy] : null,
    sla: f.sla ? JSON.stringify({ first_touch_minutes: 15, business_hours: false, escalations: [], max_reassignments: 3 }) : null,
    rule_id: f.rule ?? null,
    unassigned_reason: f.status === 'UNASSIGNED' ? 'NO_ELIGIBLE_REP' : null,
    reassignment_count: f.reassignments ?? 0,
  });
  return id;
}

async function assignment(leadId: string, r: 'A' | 'B' | 'C', when: number, seq: number, ended?: number) {
  await api.deps.db('assignments').insert({
    id: newId('assignment'),
    org_id: org.orgId,
    lead_id: leadId,
    rep_id: rep[r],
    seq,
    reason: 'ROUTED',
    assigned_at: at(when),
    ended_at: ended === undefined ? null : at(ended),
  });
}

async function breachEvent(leadId: string, r: 'A' | 'B' | 'C', when: number) {
  await api.deps.db('events').insert({ id: newId('event'), org_id: org.orgId, lead_id: leadId, type: 'SLA_BREACHED', rep_id: rep[r], step_key: `b${when}`, occurred_at: at(when) });
}

beforeAll(async () => {
  api = startApi();
  org = await newOrg(api.deps.db);
  for (const [name, teams] of [['A', ['emea']], ['B', ['emea']], ['C', ['sdr']]] as const) {
    rep[name] = (await api.http.post('/v1/reps').set(org.auth).send({ name, email: `${name}@fixture.io`, teams })).body.id;
  }
  const L1 = await lead({ received: 0, team: 'emea', rep: 'A', assigned: 1 * S, touched: 10 * MIN, sla: true, rule: 'r1', status: 'CONTACTED' });
  const L2 = await lead({ received: 1 * H, team: 'emea', rep: 'B', assigned: 3 * S, touched: 40 * MIN, breached: 30 * MIN, breachedBy: 'B', sla: true, rule: 'r1', status: 'CONTACTED' });
  const L3 = await lead({ received: 2 * H, team: 'emea', rep: 'A', assigned: 2 * S, breached: 15 * MIN, breachedBy: 'B', sla: true, rule: 'r2', status: 'ASSIGNED', reassignments: 1 });
  const L4 = await lead({ received: 3 * H, team: 'sdr', rep: 'C', assigned: 5 * S, sla: true, rule: '(fallback)', status: 'ASSIGNED' });
  await lead({ received: 4 * H, rule: 'r2', status: 'UNASSIGNED' });
  await lead({ received: -2 * H, team: 'emea', rep: 'A', assigned: 1 * S, rule: 'r1', status: 'ASSIGNED' }); // before the window
  const L7 = await lead({ received: 5 * H, team: 'sdr', rep: 'C', assigned: 1 * S, touched: 5 * MIN, rule: 'r1', status: 'CLOSED' });
  await assignment(L1, 'A', 1 * S, 1);
  await assignment(L2, 'B', 1 * H + 3 * S, 1);
  await assignment(L3, 'B', 2 * H + 2 * S, 1, 2 * H + 20 * MIN);
  await assignment(L3, 'A', 2 * H + 20 * MIN, 2);
  await assignment(L4, 'C', 3 * H + 5 * S, 1);
  await assignment(L7, 'C', 5 * H + 1 * S, 1);
  await breachEvent(L2, 'B', 1 * H + 30 * MIN);
  await breachEvent(L3, 'B', 2 * H + 15 * MIN);
  const contact = (await api.deps.db('leads').where({ id: L1 }).first()).contact_id;
  for (const [type, outcome, r, when] of [
    ['CALL', 'POSITIVE', 'A', 10 * MIN],
    ['CALL', 'NO_ANSWER', 'B', 2 * H],
    ['EMAIL', 'NEUTRAL', 'C', 3 * H],
    ['NOTE', null, 'A', 4 * H],
    ['CALL', 'POSITIVE', 'A', -5 * H], // before the window
  ] as const) {
    await api.deps.db('activities').insert({ id: newId('activity'), org_id: org.orgId, contact_id: contact, rep_id: rep[r], type, outcome, occurred_at: at(when) });
  }
  await api.deps.db('reps').where({ id: rep.A }).update({ open_leads: 1 });
  await api.deps.db('reps').where({ id: rep.C }).update({ open_leads: 1 });
  // Whole hours of the window come from the rollup views, its edges from the rows: both paths are exercised.
  await refreshRollups(api.deps.db);
});
afterAll(() => api.close());

const window = `from=${at(-90 * MIN).toISOString()}&to=${at(24 * H + 10 * MIN).toISOString()}`;
const near = (actual: number | null, expected: number, tolerance = 0.025) => {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected) / expected).toBeLessThanOrEqual(tolerance); // half a histogram bucket
};

describe('GET /v1/intelligence/summary', () => {
  let s: any;
  beforeAll(async () => {
    const res = await api.http.get(`/v1/intelligence/summary?${window}`).set(org.auth);
    expect(res.status).toBe(200);
    s = res.body;
  });

  it('counts leads received, assigned, unassigned, contacted and closed in the window', () => {
    // L1-L5 and L7 (L6 came before the window); assigned: all but L5; contacted: L1, L2, L7.
    expect(s.leads).toEqual({ received: 6, assigned: 5, unassigned: 1, contacted: 3, closed: 1 });
  });

  it('gives time to assignment and to first touch percentiles', () => {
    // assignment: 1 s, 3 s, 2 s, 5 s, 1 s → sorted 1,1,2,3,5 → p50 (3rd) 2 s, p90 (5th) 5 s
    near(s.time_to_assignment_ms.p50, 2000);
    near(s.time_to_assignment_ms.p90, 5000);
    // first touch: 10 min, 40 min, 5 min → p50 10 min, p90 40 min
    near(s.time_to_first_touch_ms.p50, 10 * MIN);
    near(s.time_to_first_touch_ms.p90, 40 * MIN);
  });

  it('counts SLAs met, breached and pending, and the rate', () => {
    // met: L1 (touched, never breached); breached: L2, L3; pending: L4; L5 and L7 had no SLA.
    expect(s.sla).toEqual({ met: 1, breached: 2, pending: 1, rate: 0.3333 });
    expect(s.reassignments).toBe(1);
  });

  it('breaks the figures down per rep', () => {
    const byName = Object.fromEntries(s.reps.map((r: any) => [r.name, r]));
    // A: assignments L1 and L3 (second); B: L2 and L3 (first); C: L4, L7. Breaches happened with B (L2, L3).
    expect(byName.A).toMatchObject({ assigned: 2, contacted: 1, breached: 0, open_leads: 1 });
    expect(byName.B).toMatchObject({ assigned: 2, contacted: 1, breached: 2, open_leads: 0 });
    expect(byName.C).toMatchObject({ assigned: 2, contacted: 1, breached: 0, open_leads: 1 });
    near(byName.A.median_first_touch_ms, 10 * MIN, 0.05);
    near(byName.B.median_first_touch_ms, 40 * MIN, 0.05);
    near(byName.C.median_first_touch_ms, 5 * MIN, 0.05);
  });

  it('counts rule matches and their share', () => {
    expect(s.rules).toEqual([
      { rule_id: 'r1', matches: 3, share: 0.5 },
      { rule_id: 'r2', matches: 2, share: 0.3333 },
      { rule_id: '(fallback)', matches: 1, share: 0.1667 },
    ]);
  });

  it('counts activity outcomes by type', () => {
    expect(s.activities).toEqual([
      { type: 'CALL', outcome: 'NO_ANSWER', count: 1 },
      { type: 'CALL', outcome: 'POSITIVE', count: 1 },
      { type: 'EMAIL', outcome: 'NEUTRAL', count: 1 },
      { type: 'NOTE', outcome: null, count: 1 },
    ]);
  });

  it('measures distribution fairness per team', () => {
    // emea: A holds L1 and L3, B holds L2 → 2 / 1; sdr: C holds L4 and L7 → 2 / 2.
    expect(s.fairness).toEqual([
      { team: 'emea', max: 2, min: 1, ratio: 2 },
      { team: 'sdr', max: 2, min: 2, ratio: 1 },
    ]);
  });

  it('narrows everything to one team', async () => {
    const res = await api.http.get(`/v1/intelligence/summary?${window}&team=emea`).set(org.auth);
    expect(res.body.leads).toEqual({ received: 3, assigned: 3, unassigned: 0, contacted: 2, closed: 0 });
    expect(res.body.reps.map((r: any) => r.name)).toEqual(['A', 'B']);
    expect(res.body.activities.map((a: any) => a.type)).toEqual(['CALL', 'CALL', 'NOTE']);
    expect(res.body.fairness).toEqual([{ team: 'emea', max: 2, min: 1, ratio: 2 }]);
  });

  it('refuses a reversed window and bad dates with 422', async () => {
    expect((await api.http.get(`/v1/intelligence/summary?from=${at(H).toISOString()}&to=${at(0).toISOString()}`).set(org.auth)).status).toBe(422);
    expect((await api.http.get('/v1/intelligence/summary?from=yesterday').set(org.auth)).status).toBe(422);
  });
});

describe('GET /v1/intelligence/timeseries', () => {
  const series = async (metric: string, interval = 'hour', to = at(6 * H)) =>
    (await api.http.get(`/v1/intelligence/timeseries?metric=${metric}&interval=${interval}&from=${at(0).toISOString()}&to=${to.toISOString()}`).set(org.auth)).body;

  it('gives one point per hour of received leads, empty hours included', async () => {
    const s = await series('received');
    expect(s.points.map((p: any) => p.at)).toEqual([0, 1, 2, 3, 4, 5].map((h) => at(h * H).toISOString()));
    expect(s.points.map((p: any) => p.value)).toEqual([1, 1, 1, 1, 1, 1]);
    expect((await series('assigned')).points.map((p: any) => p.value)).toEqual([1, 1, 1, 1, 0, 1]);
    expect((await series('breached')).points.map((p: any) => p.value)).toEqual([0, 1, 1, 0, 0, 0]);
  });

  it('computes rates and percentiles per bucket', async () => {
    // 10:00 L1 met → 1; 11:00 L2 breached → 0; 12:00 L3 breached → 0; later hours have no decided SLA.
    expect((await series('sla_rate')).points.map((p: any) => p.value)).toEqual([1, 0, 0, null, null, null]);
    const day = await series('time_to_assignment_p50', 'day', at(13 * H)); // still 2026-11-20
    expect(day.points).toHaveLength(1);
    near(day.points[0].value, 2000);
  });

  it('refuses an unknown metric', async () => {
    expect((await api.http.get('/v1/intelligence/timeseries?metric=vibes').set(org.auth)).status).toBe(422);
  });
});
