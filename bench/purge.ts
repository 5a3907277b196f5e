import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { createDb, type Db } from '../src/db/knex';
import { createTemporal } from '../src/temporal/client';
import { RETENTION_SCHEDULE_ID } from '../src/temporal/schedules';
import { startBenchStack } from './lib/benchStack';
import { api, createOrgWithTeams, lead, type Org } from './lib/scenario';
import { summarize, table, type Summary } from './lib/stats';

/**
 * `npm run bench:purge` (issue 31): does retention's purge slow routing? One organization holds OLD_LEADS
 * settled leads closed 400 days ago with EVENTS_PER_LEAD timeline events each (1,000,000 by default), past the
 * default 365-day retention. Another organization takes leads at RATE per second through the API, first with
 * nothing else running (two baselines), then while the retention workflow purges the old ones (as the hourly
 * Schedule runs it, on the worker), then alone again (what the purge leaves behind: autovacuum). Goal: lead →
 * assigned p99 during the purge within 1.10× the baselines'. The two baselines' ratio is this machine's noise. Writes
 * bench/results/purge-latest.json.
 */
const OLD_LEADS = Number(process.env.BENCH_OLD_LEADS ?? 200_000);
const EVENTS_PER_LEAD = Number(process.env.BENCH_EVENTS_PER_LEAD ?? 5);
const RATE = Number(process.env.BENCH_RATE ?? 20);
const GOAL_RATIO = 1.1;
const log = (m: string) => process.stdout.write(`${m}\n`);

/** Settled leads of long ago, with their timeline, written straight into the tables (a year of history). */
async function seedOld(db: Db, orgId: string): Promise<void> {
  const contact = `ct_purgebench_${orgId}`;
  await db('contacts').insert({ id: contact, org_id: orgId, email: 'old@purge.example' });
  const chunk = 50_000;
  for (let from = 0; from < OLD_LEADS; from += chunk) {
    const to = Math.min(OLD_LEADS, from + chunk) - 1;
    await db.raw(
      `INSERT INTO leads (id, org_id, contact_id, email, status, workflow_id, received_at, updated_at, closed_at)
       SELECT 'lead_old_' || g, ?, ?, 'old' || g || '@purge.example', 'CLOSED', 'lead-old-' || g, now() - interval '401 days', now() - interval '400 days', now() - interval '400 days'
       FROM generate_series(?::int, ?::int) g`,
      [orgId, contact, from, to],
    );
    await db.raw(
      `INSERT INTO events (id, org_id, lead_id, type, step_key, occurred_at)
       SELECT 'evt_old_' || g || '_' || e, ?, 'lead_old_' || g, 'NOTE', 'old:' || e, now() - interval '400 days'
       FROM generate_series(?::int, ?::int) g, generate_series(1, ?::int) e`,
      [orgId, from, to, EVENTS_PER_LEAD],
    );
  }
  // Vacuumed now: the autovacuum a million inserted rows start would otherwise run during the baselines.
  await db.raw('VACUUM (ANALYZE) leads, events, contacts');
}

/** What the database is doing besides routing, sampled once a second: autovacuum workers, and backends waiting on a lock. */
function sampleDatabase(db: Db): { stop(): Promise<{ lock_waits_max: number; autovacuum_seconds: number }> } {
  let lockWaitsMax = 0;
  let autovacuumSeconds = 0;
  let on = true;
  const loop = (async () => {
    while (on) {
      const row = await db.first(
        db.raw("count(*) FILTER (WHERE wait_event_type = 'Lock') AS locks, count(*) FILTER (WHERE backend_type = 'autovacuum worker') AS vacuums"),
      ).from('pg_stat_activity');
      lockWaitsMax = Math.max(lockWaitsMax, Number(row.locks));
      if (Number(row.vacuums) > 0) autovacuumSeconds++;
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
      return { lock_waits_max: lockWaitsMax, autovacuum_seconds: autovacuumSeconds };
    },
  };
}

async function oldEvents(db: Db, orgId: string): Promise<number> {
  return Number((await db('events').where({ org_id: orgId }).count({ n: '*' }).first())?.n ?? 0);
}

const anyOldLeft = async (db: Db, orgId: string): Promise<boolean> => (await db('leads').where({ org_id: orgId, status: 'CLOSED' }).first('id')) !== undefined;

/**
 * Leads at RATE per second until `until()` says stop (or `count` are sent): open-loop, so a slow answer does not
 * slow the offered load. Returns each lead's lead → assigned ms, read from what the worker wrote.
 */
async function phase(db: Db, org: Org, baseUrl: string, label: string, opts: { count?: number; until?: () => Promise<boolean> }): Promise<number[]> {
  const since = new Date();
  const pending: Array<Promise<unknown>> = [];
  const failures: Record<string, number> = {};
  const t0 = Date.now();
  let sent = 0;
  // Asked every second beside the load, never in its way: a slow answer must not thin out the leads sent.
  let done = false;
  const asking = opts.until
    ? (async () => {
        while (!(done = await opts.until!())) await new Promise((r) => setTimeout(r, 1000));
      })()
    : null;
  for (;;) {
    if (opts.count !== undefined && sent >= opts.count) break;
    if (asking && done) break;
    const due = t0 + (sent * 1000) / RATE;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    pending.push(api(baseUrl, org.key, 'POST', '/v1/leads', lead(sent, `${label.replace(/\W/g, '')}${Date.now() % 100000}`)).catch((err: Error) => void (failures[err.message.slice(0, 200)] = (failures[err.message.slice(0, 200)] ?? 0) + 1)));
    sent++;
  }
  await Promise.all([...pending, asking]);
  const deadline = Date.now() + 60_000;
  let rows: Array<{ ms: number | null }> = [];
  while (Date.now() < deadline) {
    rows = await db('leads').where({ org_id: org.orgId }).andWhere('received_at', '>=', since).select(db.raw('EXTRACT(EPOCH FROM (assigned_at - received_at)) * 1000 AS ms'));
    if (rows.length >= sent && rows.every((r) => r.ms !== null)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  log(`  ${label}: ${sent} leads in ${((Date.now() - t0) / 1000).toFixed(1)} s${Object.keys(failures).length ? `; refused: ${JSON.stringify(failures)}` : ''}`);
  return rows.filter((r) => r.ms !== null).map((r) => Number(r.ms));
}

async function main(): Promise<void> {
  log(`\nbench:purge (${os.cpus().length} cores): ${OLD_LEADS.toLocaleString('en')} settled leads × ${EVENTS_PER_LEAD} events to purge, leads at ${RATE}/s`);
  const stack = await startBenchStack('purge', log);
  const db = createDb(stack.database.url, 4);
  const temporal = createTemporal(loadConfig({ TEMPORAL_ADDRESS: stack.temporalAddress, TEMPORAL_TASK_QUEUE: 'routeswit', ENCRYPTION_KEYS: stack.encryptionKeys }));
  try {
    const live = await createOrgWithTeams(stack.database.url, stack.baseUrl, `bench purge live ${Date.now()}`, { first_touch_minutes: 600 });
    const old = await createOrgWithTeams(stack.database.url, stack.baseUrl, `bench purge old ${Date.now()}`, { first_touch_minutes: 600 });
    // The hourly Schedule would purge them on its own time, in the middle of a baseline: the bench starts each run.
    const schedule = temporal.client.schedule.getHandle(RETENTION_SCHEDULE_ID);
    for (let i = 0; !(await schedule.describe().then(() => true, () => false)); i++) {
      if (i > 60) throw new Error('the worker never made the retention Schedule');
      await new Promise((r) => setTimeout(r, 500));
    }
    await schedule.pause('bench:purge starts the runs itself');
    let t = Date.now();
    await seedOld(db, old.orgId);
    const planted = await oldEvents(db, old.orgId);
    log(`  seeded ${planted.toLocaleString('en')} timeline events in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    // Warm-up, not measured: JIT, pools and caches settle.
    await phase(db, live, stack.baseUrl, 'warm-up', { count: RATE * 10 });

    // Two baselines before the purge: their ratio is this machine's noise, apart from anything the purge leaves
    // behind (autovacuum after a million deletes runs in the phase after it).
    const sampled: Record<string, { lock_waits_max: number; autovacuum_seconds: number }> = {};
    let sampler = sampleDatabase(db);
    const before = await phase(db, live, stack.baseUrl, 'baseline', { count: RATE * 60 });
    const before2 = await phase(db, live, stack.baseUrl, 'baseline 2', { count: RATE * 60 });
    sampled.baselines = await sampler.stop();
    if ((await oldEvents(db, old.orgId)) !== planted) throw new Error('something purged the old leads during the baseline');
    // The retention workflow as the hourly Schedule starts it; a run stops at its time budget, so it is started
    // again until nothing old is left, as later hours would.
    t = Date.now();
    let runs = 0;
    let running: Promise<unknown> | null = null;
    const purged = async () => {
      if (!(await anyOldLeft(db, old.orgId))) return true;
      running ??= temporal.client.workflow
        .execute('retentionWorkflow', { taskQueue: temporal.taskQueue, workflowId: `bench-purge-${Date.now()}-${++runs}`, args: [] })
        .finally(() => (running = null));
      return false;
    };
    await purged();
    sampler = sampleDatabase(db);
    const during = await phase(db, live, stack.baseUrl, 'during the purge', { until: purged });
    sampled.during_purge = await sampler.stop();
    const purgeSeconds = (Date.now() - t) / 1000;
    await running;
    sampler = sampleDatabase(db);
    const after = await phase(db, live, stack.baseUrl, 'after the purge', { count: RATE * 60 });
    sampled.after_purge = await sampler.stop();

    const [b, b2, d, a] = [summarize(before), summarize(before2), summarize(during), summarize(after)];
    const base: Summary = summarize([...before, ...before2]);
    const ratio = (x: number, y: number) => Math.round((x / y) * 100) / 100;
    const result = {
      at: new Date().toISOString(),
      machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model },
      parameters: { old_leads: OLD_LEADS, events_per_lead: EVENTS_PER_LEAD, rate: RATE },
      purge: { events: planted, seconds: Math.round(purgeSeconds), events_per_s: Math.round(planted / purgeSeconds), workflow_runs: runs },
      lead_to_assigned_ms: { baseline: b, baseline_2: b2, during_purge: d, after_purge: a },
      p99_ratio_purge_vs_baselines: ratio(d.p99, base.p99),
      p99_ratio_baseline_2_vs_baseline: ratio(b2.p99, b.p99),
      p99_ratio_after_vs_baselines: ratio(a.p99, base.p99),
      database: sampled,
      goal: `p99 during the purge ≤ ${GOAL_RATIO}× the baselines' p99`,
      goal_met: d.p99 <= GOAL_RATIO * base.p99,
    };
    log(
      table([
        ['lead → assigned (ms)', 'p50', 'p95', 'p99', 'max', 'leads'],
        ['baseline', b.p50, b.p95, b.p99, b.max, b.count],
        ['baseline 2', b2.p50, b2.p95, b2.p99, b2.max, b2.count],
        ['during the purge', d.p50, d.p95, d.p99, d.max, d.count],
        ['after the purge', a.p50, a.p95, a.p99, a.max, a.count],
      ]),
    );
    log(`purged ${planted.toLocaleString('en')} events (and ${OLD_LEADS.toLocaleString('en')} leads) in ${result.purge.seconds} s over ${runs} run(s): ${result.purge.events_per_s.toLocaleString('en')} events/s`);
    log(`database, per phase (most backends waiting on a lock at once; seconds an autovacuum ran): ${JSON.stringify(sampled)}`);
    log(`p99 during the purge ÷ baselines' p99: ${result.p99_ratio_purge_vs_baselines} (goal ≤ ${GOAL_RATIO}: ${result.goal_met ? 'met' : 'NOT met'}); noise, baseline 2 ÷ baseline: ${result.p99_ratio_baseline_2_vs_baseline}; after the purge ÷ baselines: ${result.p99_ratio_after_vs_baselines}`);
    const dir = path.resolve(__dirname, 'results');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'purge-latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await db.destroy();
    await temporal.close();
    await stack.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
