import { newOrg, startApi, type TestApi, type TestOrg } from '../helpers/stack';

/**
 * Round 2, finding 8 (quotas): one organization made 200 one-minute monitors in 10 s, and could run
 * backtests and re-route jobs, keep lists and drafts, without bound, on the worker and Temporal it shares
 * with every other organization. Each has a per-organization quota, a setting; over it, 429 names it.
 */
let api: TestApi;
const QUOTAS = { MAX_LISTS_PER_ORG: '2', MAX_DRAFT_RULESETS_PER_ORG: '2', MAX_SLA_MONITORS_PER_ORG: '2', MAX_RUNNING_BACKTESTS_PER_ORG: '1', MAX_RUNNING_REROUTE_JOBS_PER_ORG: '1' };

beforeAll(() => {
  // No worker polls this task queue: backtests and re-route jobs stay RUNNING, as long ones do.
  api = startApi({ ...QUOTAS, RATE_LIMIT_PER_SECOND: '0', TEMPORAL_TASK_QUEUE: `quotas-${process.pid}` });
});
afterAll(() => api.close());

function expectQuota(res: { status: number; body: any; headers: Record<string, string> }, quota: string): void {
  expect(res.status).toBe(429);
  expect(res.body.error).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining(`Quota ${quota} reached`), details: [{ path: 'quota', message: `${quota}=${QUOTAS[quota as keyof typeof QUOTAS]}` }] });
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

async function withRep(): Promise<TestOrg> {
  const org = await newOrg(api.deps.db);
  await api.http.post('/v1/reps').set(org.auth).send({ name: 'R', email: 'r@quota.io', teams: ['sdr'] });
  return org;
}

it('lists: a third is refused, replacing one is not, and another organization is not affected', async () => {
  const org = await newOrg(api.deps.db);
  for (const name of ['one', 'two']) expect((await api.http.put(`/v1/lists/${name}`).set(org.auth).send({ values: ['a'] })).status).toBe(200);
  expectQuota(await api.http.put('/v1/lists/three').set(org.auth).send({ values: ['a'] }), 'MAX_LISTS_PER_ORG');
  expect((await api.http.put('/v1/lists/two').set(org.auth).send({ values: ['b', 'c'] })).status).toBe(200);
  const other = await newOrg(api.deps.db);
  expect((await api.http.put('/v1/lists/three').set(other.auth).send({ values: ['a'] })).status).toBe(200);
});

it('lists created at once cannot pass the quota between them', async () => {
  const org = await newOrg(api.deps.db);
  const results = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((n) => api.http.put(`/v1/lists/l-${n}`).set(org.auth).send({ values: [n] })));
  expect(results.filter((r) => r.status === 200)).toHaveLength(2);
  expect(results.filter((r) => r.status === 429)).toHaveLength(4);
});

it('draft rulesets: a third draft is refused', async () => {
  const org = await withRep();
  const draft = { name: 'd', rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] };
  for (let i = 0; i < 2; i++) expect((await api.http.post('/v1/rules').set(org.auth).send(draft)).status).toBe(200);
  expectQuota(await api.http.post('/v1/rules').set(org.auth).send(draft), 'MAX_DRAFT_RULESETS_PER_ORG');
});

it('SLA monitors: a third is refused', async () => {
  const org = await newOrg(api.deps.db);
  const monitor = { kind: 'UNASSIGNED_AGE', name: 'waiting', params: { minutes: 5 }, interval_minutes: 1 };
  for (let i = 0; i < 2; i++) expect((await api.http.post('/v1/intelligence/sla-monitors').set(org.auth).send(monitor)).status).toBe(200);
  expectQuota(await api.http.post('/v1/intelligence/sla-monitors').set(org.auth).send(monitor), 'MAX_SLA_MONITORS_PER_ORG');
});

it('backtests and re-route jobs: a second one running at once is refused', async () => {
  const org = await withRep();
  const rs = await api.http.post('/v1/rules').set(org.auth).send({ name: 'r', rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] });
  for (let i = 0; i < 3; i++) await api.http.post('/v1/leads?wait_ms=0').set(org.auth).send({ email: `q${i}@quota.io` });
  const window = { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' };
  expect((await api.http.post(`/v1/rules/${rs.body.id}/backtest`).set(org.auth).send(window)).status).toBe(200);
  expectQuota(await api.http.post(`/v1/rules/${rs.body.id}/backtest`).set(org.auth).send(window), 'MAX_RUNNING_BACKTESTS_PER_ORG');
  expect((await api.http.post('/v1/leads/reroute').set(org.auth).send({ received_after: '2000-01-01T00:00:00Z' })).status).toBe(200);
  expectQuota(await api.http.post('/v1/leads/reroute').set(org.auth).send({ received_after: '2000-01-01T00:00:00Z' }), 'MAX_RUNNING_REROUTE_JOBS_PER_ORG');
});
