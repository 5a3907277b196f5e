import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { newOrg, startApi, type TestApi } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/**
 * Reliability: SIGKILL the worker process while 200 leads are in flight, start a new one, and check that
 * every lead ends ASSIGNED exactly once with consistent counters. Uses its own task queue so that no
 * other test's worker can quietly do the work.
 */
const root = path.resolve(__dirname, '..', '..');
const taskQueue = `crash-${process.pid}-${Date.now()}`;
let api: TestApi;
let worker: ChildProcess | null = null;

function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
    cwd: root,
    env: { ...process.env, TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'warn', WORKFLOW_BUNDLE_PATH: process.env.TEST_WORKFLOW_BUNDLE },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', () => undefined);
  return child;
}

beforeAll(() => {
  api = startApi({ TEMPORAL_TASK_QUEUE: taskQueue });
});
afterAll(async () => {
  worker?.kill('SIGKILL');
  await api.close();
});

it('a worker killed with SIGKILL mid-flight loses nothing: 200 leads end ASSIGNED exactly once, counters consistent', async () => {
  const org = await newOrg(api.deps.db);
  const reps: string[] = [];
  for (let i = 0; i < 5; i++) reps.push((await api.http.post('/v1/reps').set(org.auth).send({ name: `R${i}`, email: `r${i}@crash.io`, teams: ['sdr'] })).body.id);
  const rs = await api.http.post('/v1/rules').set(org.auth).send({ name: 'rr', rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr', sla: { first_touch_minutes: 60 } } }] });
  await api.http.post(`/v1/rules/${rs.body.id}/publish`).set(org.auth);

  worker = startWorkerProcess();
  const leadIds: string[] = [];
  for (let batch = 0; batch < 10; batch++) {
    const res = await Promise.all(
      Array.from({ length: 20 }, (_, i) => api.http.post('/v1/leads?wait_ms=0').set(org.auth).send({ email: `lead${batch * 20 + i}@crash.io` })),
    );
    for (const r of res) {
      expect(r.status).toBe(200);
      leadIds.push(r.body.id);
    }
  }
  // Kill it while work is under way: some leads assigned, others not yet.
  await waitFor(async () => {
    const row = await api.deps.db('assignments').where({ org_id: org.orgId }).count('* as n').first();
    return Number(row?.n) >= 5;
  }, { timeoutMs: 60_000, intervalMs: 20, what: 'the first assignments' });
  worker.kill('SIGKILL');
  const assignedAtKill = Number((await api.deps.db('assignments').where({ org_id: org.orgId }).count('* as n').first())?.n);
  expect(assignedAtKill).toBeLessThan(200);

  worker = startWorkerProcess();
  await waitFor(async () => {
    const row = await api.deps.db('leads').whereIn('id', leadIds).where({ status: 'ASSIGNED' }).count('* as n').first();
    return Number(row?.n) === 200;
  }, { timeoutMs: 120_000, intervalMs: 250, what: 'all 200 leads to be assigned' });

  const perLead = await api.deps.db('assignments').whereIn('lead_id', leadIds).groupBy('lead_id').select('lead_id').count('* as n');
  expect(perLead).toHaveLength(200);
  expect(perLead.every((r) => Number(r.n) === 1)).toBe(true);
  const open = await api.deps.db('assignments').whereIn('rep_id', reps).whereNull('ended_at').groupBy('rep_id').select('rep_id').count('* as n');
  const counters = await api.deps.db('reps').whereIn('id', reps).select('id', 'open_leads');
  for (const c of counters) expect(c.open_leads).toBe(Number(open.find((o) => o.rep_id === c.id)?.n ?? 0));
  const values = counters.map((c) => c.open_leads);
  expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
  const events = await api.deps.db('events').whereIn('lead_id', leadIds).where({ type: 'ASSIGNED' }).count('* as n').first();
  expect(Number(events?.n)).toBe(200);
}, 180_000);
