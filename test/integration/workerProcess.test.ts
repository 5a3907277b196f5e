import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../src/dev/temporalServer';
import { newOrg, startApi, type TestApi } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/** The worker as operators run it: its own process, a health endpoint, Prometheus metrics, a bounded stop. */
const root = path.resolve(__dirname, '..', '..');
const taskQueue = `process-${process.pid}-${Date.now()}`;
let api: TestApi;
let child: ChildProcess | null = null;
afterAll(async () => {
  child?.kill('SIGKILL');
  await api.close();
});

it('reports its health and the SDK metrics, and stops within its grace period on SIGTERM', async () => {
  api = startApi({ TEMPORAL_TASK_QUEUE: taskQueue, RATE_LIMIT_PER_SECOND: '0' });
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  let output = '';
  child = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      TEMPORAL_TASK_QUEUE: taskQueue,
      LOG_LEVEL: 'warn',
      WORKFLOW_BUNDLE_PATH: process.env.TEST_WORKFLOW_BUNDLE,
      WORKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
      WORKER_HEALTH_PORT: String(healthPort),
      WORKER_SHUTDOWN_GRACE_SECONDS: '2',
      WORKER_SHUTDOWN_FORCE_SECONDS: '5',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (d) => (output += d));
  child.stdout!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));

  const health = await waitFor(async () => {
    const res = await fetch(`http://127.0.0.1:${healthPort}/healthz`).catch(() => null);
    return res?.status === 200 ? res.json() : null;
  }, { timeoutMs: 60_000, what: "the worker's health endpoint" });
  expect(health).toEqual({ state: 'RUNNING' });

  // Work flows through it, and shows in its metrics.
  const org = await newOrg(api.deps.db);
  await api.http.post('/v1/reps').set(org.auth).send({ name: 'Met', email: `met-${Date.now()}@m.io`, teams: ['m'] });
  const rs = await api.http.post('/v1/rules').set(org.auth).send({ name: 'm', rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'm' } }] });
  await api.http.post(`/v1/rules/${rs.body.id}/publish`).set(org.auth);
  const lead = await api.http.post('/v1/leads?wait_ms=15000').set(org.auth).send({ email: 'metrics@m.io' });
  expect({ status: lead.body.status, log: lead.body.status === 'ASSIGNED' ? '' : output }).toEqual({ status: 'ASSIGNED', log: '' });
  const metrics = await waitFor(async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    return /temporal_workflow_completed\{[^}]*workflow_type="leadWorkflow"/.test(text) || /temporal_local_activity_execution_latency/.test(text) ? text : null;
  }, { timeoutMs: 30_000, what: 'lead workflow metrics' });
  expect(metrics).toMatch(new RegExp(`temporal_[a-z_]+\\{[^}]*task_queue="${taskQueue}"`));

  const t0 = Date.now();
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(Date.now() - t0).toBeLessThan(5000 + 5000);
  child = null;
});
