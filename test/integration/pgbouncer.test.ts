import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { startPgBouncer } from '../helpers/pgbouncer';
import { orgWithRules, startApi, startWorker, testConfig, type TestApi, type TestWorker } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/**
 * Issue 27: PgBouncer in transaction mode (what managed platforms and most Kubernetes installs put in front of
 * Postgres): migrations and routing both go through it, with prepared statements off
 * (DATABASE_PREPARED_STATEMENTS=false, as Debian's PgBouncer 1.18 cannot keep them).
 */
const queue = `pgbouncer-${process.pid}`;
const database = `routeswit_pgbouncer_${process.pid}`;
let bouncer: Awaited<ReturnType<typeof startPgBouncer>>;
let api: TestApi;
let worker: TestWorker;
let settings: Record<string, string>;

async function admin(sql: string): Promise<void> {
  const url = new URL(testConfig().DATABASE_URL);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await admin(`CREATE DATABASE "${database}"`);
  bouncer = await startPgBouncer(testConfig().DATABASE_URL);
  settings = { DATABASE_URL: bouncer.url(database), DATABASE_PREPARED_STATEMENTS: 'false', TEMPORAL_TASK_QUEUE: queue };
}, 300_000);
afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await bouncer?.stop();
  await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
});

it('migrates an empty database through PgBouncer (routeswit migrate)', async () => {
  const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../src/cli/main.ts'), 'migrate', 'latest'], { env: { ...process.env, ...settings, LOG_LEVEL: 'silent' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
  expect(run.out).toMatch(/"applied"/);
  expect(run.code).toBe(0);
}, 120_000);

it('routes leads through PgBouncer: one at a time, and in bulk through the feeder', async () => {
  api = startApi(settings);
  worker = await startWorker(queue, settings, { outbox: false });
  const { org, reps } = await orgWithRules(api, { rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] }, [{ teams: ['sdr'] }, { teams: ['sdr'] }]);
  const lead = await api.http.post('/v1/leads?wait_ms=15000').set(org.auth).send({ email: 'pooled@bouncer.io' });
  expect(lead.body.status).toBe('ASSIGNED');
  expect(reps).toContain(lead.body.assigned_rep_id);
  const batch = await api.http.post('/v1/leads/batch').set(org.auth).send({ leads: Array.from({ length: 20 }, (_, i) => ({ email: `bulk${i}@bouncer.io` })) });
  const ids = batch.body.results.map((r: { id: string }) => r.id);
  await waitFor(async () => {
    const n = await api.deps.db('leads').whereIn('id', ids).where({ status: 'ASSIGNED' }).count<{ count: number }[]>('* as count');
    return n[0]!.count === 20 || null;
  }, { timeoutMs: 60_000, what: 'the batch routed through PgBouncer' });
}, 120_000);
