import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { createDb, type Db } from '../src/db/knex';
import { createTemporal } from '../src/temporal/client';
import { RETENTION_SCHEDULE_ID } from '../src/temporal/schedules';
import { startBenchStack } from './lib/benchStack';
import { measureCeiling } from './lib/ceilingRate';
import { api, createOrgWithTeams, lead, type Org } from './lib/scenario';
import { summarize, table, type Summary } from './lib/stats';

/**
 * `npm run bench:purge` (issue 31): does retention's purge slow routing? OLD_ORGS organizations hold OLD_LEADS
 * settled leads between them, closed 400 days ago, with EVENTS_PER_LEAD timeline events each (1,000,000 by
 * default), past the default 365-day retention. Another organization takes leads through the API at a quarter
 * of the platform's own ceiling on this machine (or BENCH_RATE per second). Baselines and purges alternate,
 * baseline / purge of the first / baseline / purge of the second / ... / baseline, so that whatever drifts
 * through a run (the machine, caches, the vacuum after a purge) falls on both sides alike; each old organization
 * keeps its leads 10 years until its turn comes. Between phases the live leads are closed, so each phase starts
 * with the same open workflows and the same rep loads (BENCH_CLOSE_AFTER_SECONDS closes them during phases too). Goal: lead → assigned p99 over the purge phases within
 * 1.10× the baselines'. The noise it is measured against: the baselines split in two (odd against even), each
 * half pooled as the purges are. Writes bench/results/purge-latest.json.
 */
const OLD_LEADS = Number(process.env.BENCH_OLD_LEADS ?? 200_000);
const EVENTS_PER_LEAD = Number(process.env.BENCH_EVENTS_PER_LEAD ?? 5);
/**
 * Purge phases, one old organization each: with two, the p99 of a few hundred leads a phase moved 1.2-2.7×
 * between baselines of one run, and the machine slowing half-way through decided the answer.
 */
const OLD_ORGS = Number(process.env.BENCH_OLD_ORGS ?? 6);
const BASELINE_SECONDS = Number(process.env.BENCH_BASELINE_SECONDS ?? 45);
/**
 * The live load, as a share of the platform's own rate on this machine (bare workflows, measured first in the
 * same run): a quarter, which was 20 leads/s where the ceiling was 80. A fixed 20/s was 90% of the cores on a
 * machine 2.5× slower, where anything at all beside it (the purge, or nothing) tripled p99.
 */
const LOAD_SHARE = 0.25;
let RATE = Number(process.env.BENCH_RATE ?? 0);
const GOAL_RATIO = 1.1;
/**
 * When set, each live lead is also closed this long after it came in, in every phase alike, so that the open
 * workflows hold steady however long a phase lasts (a purge phase of 120-160 s, run 26, ended with twice the
 * open workflows of a 45 s baseline). Off by default: the closes are load of their own, and with 20 s (run 27)
 * the machine was about twice as busy, which is not the quarter of the platform's rate the goal is set at.
 */
const CLOSE_AFTER_MS = Number(process.env.BENCH_CLOSE_AFTER_SECONDS ?? 0) * 1000;
const log = (m: string) => process.stdout.write(`${m}\n`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Settled leads of long ago, with their timeline, written straight into the tables (a year of history). */
async function seedOld(db: Db, orgId: string, count: number, tag: string): Promise<void> {
  const contact = `ct_purgebench_${orgId}`;
  await db('contacts').insert({ id: contact, org_id: orgId, email: `old.${tag}@purge.example` });
  const chunk = 50_000;
  for (let from = 0; from < count; from += chunk) {
    const to = Math.min(count, from + chunk) - 1;
    await db.raw(
      `INSERT INTO leads (id, org_id, contact_id, email, status, workflow_id, received_at, updated_at, closed_at)
       SELECT 'lead_old${tag}_' || g, ?, ?, 'old' || g || '@purge.example', 'CLOSED', 'lead-old${tag}-' || g, now() - interval '401 days', now() - interval '400 days', now() - interval '400 days'
       FROM generate_series(?::int, ?::int) g`,
      [orgId, contact, from, to],
    );
    await db.raw(
      `INSERT INTO events (id, org_id, lead_id, type, step_key, occurred_at)
       SELECT 'evt_old${tag}_' || g || '_' || e, ?, 'lead_old${tag}_' || g, 'NOTE', 'old:' || e, now() - interval '400 days'
       FROM generate_series(?::int, ?::int) g, generate_series(1, ?::int) e`,
      [orgId, from, to, EVENTS_PER_LEAD],
    );
  }
}

/**
 * What the database is doing besides routing, sampled ten times a second: what its active backends wait on
 * (lock, lightweight lock, I/O: as a share of samples), autovacuum workers, and the WAL written over the phase
 * (a purge statement's WAL is flushed by the next routing commit behind it).
 */
function sampleDatabase(db: Db): { stop(): Promise<Sampled> } {
  const waits: Record<string, number> = {};
  let samples = 0;
  let autovacuumSamples = 0;
  let on = true;
  const wal = () => db.first(db.raw('wal_records::bigint AS records, wal_fpi::bigint AS fpi, wal_bytes::bigint AS bytes')).from('pg_stat_wal');
  // Run now: a knex query runs only once awaited.
  const walBefore = wal().then((r) => r);
  const loop = (async () => {
    while (on) {
      const rows: Array<{ wait: string | null; vacuum: boolean }> = (
        await db.raw(
          "SELECT wait_event_type || ':' || wait_event AS wait, backend_type = 'autovacuum worker' AS vacuum FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND (state = 'active' OR backend_type = 'autovacuum worker')",
        )
      ).rows;
      samples++;
      if (rows.some((r) => r.vacuum)) autovacuumSamples++;
      for (const w of new Set(rows.filter((r) => r.wait && /^(Lock|LWLock|IO):/.test(r.wait)).map((r) => r.wait!))) waits[w] = (waits[w] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
      const [w0, w1] = [await walBefore, await wal()];
      return {
        samples,
        waits_share: Object.fromEntries(Object.entries(waits).sort((x, y) => y[1] - x[1]).map(([k, n]) => [k, Math.round((n / samples) * 1000) / 1000])),
        autovacuum_share: Math.round((autovacuumSamples / Math.max(1, samples)) * 1000) / 1000,
        wal: { records: Number(w1.records) - Number(w0.records), full_page_images: Number(w1.fpi) - Number(w0.fpi), mb: Math.round((Number(w1.bytes) - Number(w0.bytes)) / 1e5) / 10 },
      };
    },
  };
}

async function oldEvents(db: Db, orgId: string): Promise<number> {
  return Number((await db('events').where({ org_id: orgId }).count({ n: '*' }).first())?.n ?? 0);
}

/**
 * The vacuum of what a purge deleted, paced as autovacuum paces itself by default (2 ms rest per 200 cost units):
 * a manual VACUUM runs unpaced, a burst production would not see.
 */
async function vacuumAsAutovacuumWould(db: Db): Promise<void> {
  const conn = await db.client.acquireConnection();
  try {
    await db.raw("SET vacuum_cost_delay = '2ms'").connection(conn);
    await db.raw('SET vacuum_cost_limit = 200').connection(conn);
    await db.raw('VACUUM leads, events').connection(conn);
  } finally {
    await db.raw('RESET vacuum_cost_delay').connection(conn).catch(() => undefined);
    await db.raw('RESET vacuum_cost_limit').connection(conn).catch(() => undefined);
    await db.client.releaseConnection(conn);
  }
}

const anyOldLeft = async (db: Db, orgId: string): Promise<boolean> => (await db('leads').where({ org_id: orgId, status: 'CLOSED' }).first('id')) !== undefined;

/**
 * Leads at RATE per second until `until()` says stop (or `count` are sent): open-loop, so a slow answer does not
 * slow the offered load. Each is closed CLOSE_AFTER_MS after it was taken. Returns each lead's id and lead →
 * assigned ms, read from what the worker wrote, and the ids still open.
 */
async function phase(db: Db, org: Org, baseUrl: string, label: string, opts: { count?: number; until?: () => Promise<boolean> }): Promise<{ rows: Array<{ id: string; ms: number; at: number }>; open: string[] }> {
  const since = new Date();
  const pending: Array<Promise<unknown>> = [];
  const failures: Record<string, number> = {};
  const refused = (err: Error) => void (failures[err.message.slice(0, 200)] = (failures[err.message.slice(0, 200)] ?? 0) + 1);
  const open = new Map<string, NodeJS.Timeout | null>();
  const closing: Array<Promise<unknown>> = [];
  const closeLater = (id: string) =>
    open.set(
      id,
      !CLOSE_AFTER_MS ? null : setTimeout(() => {
        open.delete(id);
        closing.push(api(baseUrl, org.key, 'POST', `/v1/leads/${id}/close`, { reason: 'bench:purge, as a rep would' }).catch(refused));
      }, CLOSE_AFTER_MS),
    );
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
    pending.push(api(baseUrl, org.key, 'POST', '/v1/leads', lead(sent, `${label.replace(/\W/g, '')}${Date.now() % 100000}`)).then((body: { id: string }) => closeLater(body.id)).catch(refused));
    sent++;
  }
  await Promise.all([...pending, asking]);
  for (const timer of open.values()) if (timer) clearTimeout(timer);
  await Promise.all(closing);
  const deadline = Date.now() + 60_000;
  let rows: Array<{ id: string; ms: number | null; at: number }> = [];
  while (Date.now() < deadline) {
    rows = await db('leads').where({ org_id: org.orgId }).andWhere('received_at', '>=', since).select('id', db.raw('EXTRACT(EPOCH FROM (assigned_at - received_at)) * 1000 AS ms'), db.raw('EXTRACT(EPOCH FROM received_at) * 1000 AS at'));
    if (rows.length >= sent && rows.every((r) => r.ms !== null)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  log(`  ${label}: ${sent} leads in ${((Date.now() - t0) / 1000).toFixed(1)} s${Object.keys(failures).length ? `; refused: ${JSON.stringify(failures)}` : ''}`);
  return { rows: rows.filter((r) => r.ms !== null).map((r) => ({ id: r.id, ms: Number(r.ms), at: Number(r.at) })), open: [...open.keys()] };
}

/** Closes what a phase left open (as their reps would), so every phase starts with no open workflows of the one before. */
async function closeAll(baseUrl: string, org: Org, ids: string[]): Promise<void> {
  const queue = [...ids];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let id = queue.pop(); id; id = queue.pop()) await api(baseUrl, org.key, 'POST', `/v1/leads/${id}/close`, { reason: 'bench:purge phase over' });
    }),
  );
}

type Sampled = { samples: number; waits_share: Record<string, number>; autovacuum_share: number; wal: { records: number; full_page_images: number; mb: number } };

async function main(): Promise<void> {
  log(`\nbench:purge (${os.cpus().length} cores): ${OLD_LEADS.toLocaleString('en')} settled leads × ${EVENTS_PER_LEAD} events to purge in ${OLD_ORGS} turns`);
  const stack = await startBenchStack('purge', log);
  const db = createDb(stack.database.url, 4);
  const config = loadConfig({ ...process.env, TEMPORAL_ADDRESS: stack.temporalAddress, TEMPORAL_TASK_QUEUE: 'routeswit', ENCRYPTION_KEYS: stack.encryptionKeys });
  const temporal = createTemporal(config);
  try {
    let ceiling: number | null = null;
    if (!RATE) {
      ceiling = await measureCeiling(temporal, stack.temporalAddress, stack.encryptionKeys);
      RATE = Math.max(1, Math.round(ceiling * LOAD_SHARE));
    }
    log(`  leads at ${RATE}/s${ceiling ? ` (${LOAD_SHARE} of the platform's ${ceiling.toFixed(1)}/s here)` : ''}`);
    const live = await createOrgWithTeams(stack.database.url, stack.baseUrl, `bench purge live ${Date.now()}`, { first_touch_minutes: 600 });
    const olds: Org[] = [];
    for (let i = 0; i < OLD_ORGS; i++) olds.push(await createOrgWithTeams(stack.database.url, stack.baseUrl, `bench purge old ${i} ${Date.now()}`, { first_touch_minutes: 600 }));
    // The hourly Schedule would purge them on its own time, in the middle of a baseline: the bench starts each run.
    const schedule = temporal.client.schedule.getHandle(RETENTION_SCHEDULE_ID);
    for (let i = 0; !(await schedule.describe().then(() => true, () => false)); i++) {
      if (i > 60) throw new Error('the worker never made the retention Schedule');
      await new Promise((r) => setTimeout(r, 500));
    }
    await schedule.pause('bench:purge starts the runs itself');
    // Each keeps its leads for ten years until its turn.
    await db('organizations').whereIn('id', olds.map((o) => o.orgId)).update({ retention: { leads_days: 3650 } });
    let t = Date.now();
    for (const [i, old] of olds.entries()) await seedOld(db, old.orgId, Math.round(OLD_LEADS / OLD_ORGS), String.fromCharCode(97 + i));
    // Vacuumed now: the autovacuum a million inserted rows start would otherwise run during the baselines.
    await db.raw('VACUUM (ANALYZE) leads, events, contacts');
    const planted = await Promise.all(olds.map((o) => oldEvents(db, o.orgId)));
    const events = planted.reduce((x, y) => x + y, 0);
    log(`  seeded ${events.toLocaleString('en')} timeline events in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    // Production Postgres vacuums on its own; a CI machine's may not (this one's conf.d turns autovacuum off).
    // Without it every phase would start with the dead rows of all before it, and the purge's million would stay.
    const autovacuum = (await db.raw('SHOW autovacuum')).rows[0].autovacuum as string;
    if (autovacuum !== 'on') log('  autovacuum is off on this Postgres: the bench vacuums between phases (not measured) and after each purge (measured)');
    const vacuum = () => (autovacuum === 'on' ? Promise.resolve() : db.raw('VACUUM (ANALYZE)').then(() => undefined));
    const measured = async (label: string, opts: { count?: number; until?: () => Promise<boolean> }) => {
      const sampler = sampleDatabase(db);
      const { rows, open } = await phase(db, live, stack.baseUrl, label, opts);
      const sampled = await sampler.stop();
      await closeAll(stack.baseUrl, live, open);
      await vacuum();
      return { label, ms: rows.map((r) => r.ms), rows, sampled };
    };
    // Warm-up, not measured: JIT, pools and caches settle.
    await measured('warm-up', { count: RATE * 10 });

    let runs = 0;
    const purgeSeconds: number[] = [];
    /** The retention workflow as the hourly Schedule starts it; a run stops at its time budget, so it is started again until nothing old is left, as later hours would. */
    const purge = async (old: Org, label: string) => {
      const started = Date.now();
      let running: Promise<unknown> | null = null;
      // The vacuum a purge leads to is the purge's cost too: where autovacuum is off, the phase runs it itself.
      let vacuumed: Promise<unknown> | null = null;
      let vacuumFrom = Infinity;
      const purged = async () => {
        if (!(await anyOldLeft(db, old.orgId))) {
          if (autovacuum === 'on') return true;
          vacuumed ??= (running ?? Promise.resolve()).then(() => ((vacuumFrom = Date.now()), vacuumAsAutovacuumWould(db)));
          return Promise.race([vacuumed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 900))]);
        }
        running ??= temporal.client.workflow
          .execute('retentionWorkflow', { taskQueue: temporal.taskQueue, workflowId: `bench-purge-${Date.now()}-${++runs}`, args: [] })
          .finally(() => (running = null));
        return false;
      };
      await purged();
      const result = await measured(label, { until: purged });
      purgeSeconds.push((Date.now() - started) / 1000);
      await running;
      await vacuumed;
      return { ...result, vacuumFrom };
    };
    const baselines = [await measured('baseline 1', { count: RATE * BASELINE_SECONDS })];
    const purges: Array<Awaited<ReturnType<typeof purge>>> = [];
    for (const [i, old] of olds.entries()) {
      if ((await oldEvents(db, old.orgId)) !== planted[i]) throw new Error(`organization ${i + 1}'s old leads went before its turn`);
      await db('organizations').where({ id: old.orgId }).update({ retention: {} });
      purges.push(await purge(old, `purge ${i + 1}`));
      if ((await oldEvents(db, old.orgId)) !== 0) throw new Error(`purge ${i + 1} left old events behind`);
      baselines.push(await measured(`baseline ${i + 2}`, { count: RATE * BASELINE_SECONDS }));
    }

    const pooled = (phases: Array<{ ms: number[] }>) => summarize(phases.flatMap((p) => p.ms));
    const base: Summary = pooled(baselines);
    const during: Summary = pooled(purges);
    const ratio = (x: number, y: number) => Math.round((x / y) * 100) / 100;
    // The machine's noise at the same scale: half the baselines pooled against the other half.
    const [odd, even] = [pooled(baselines.filter((_, i) => i % 2 === 0)), pooled(baselines.filter((_, i) => i % 2 === 1))];
    const seconds = purgeSeconds.reduce((x, y) => x + y, 0);
    // Which part of a purge phase makes its tail: the leads received while it deleted, or while the paced vacuum ran.
    const deleting = summarize(purges.flatMap((p) => p.rows.filter((r) => r.at < p.vacuumFrom).map((r) => r.ms)));
    const vacuuming = summarize(purges.flatMap((p) => p.rows.filter((r) => r.at >= p.vacuumFrom).map((r) => r.ms)));
    const byPhase = [baselines[0]!, ...purges.flatMap((p, i) => [p, baselines[i + 1]!])];
    const result = {
      at: new Date().toISOString(),
      machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model },
      parameters: { purge_batch: config.RETENTION_PURGE_BATCH, purge_rest_factor: config.RETENTION_PURGE_REST_FACTOR, close_after_seconds: CLOSE_AFTER_MS / 1000, old_leads: OLD_LEADS, events_per_lead: EVENTS_PER_LEAD, old_orgs: OLD_ORGS, baseline_seconds: BASELINE_SECONDS, rate: RATE, ceiling_per_s: ceiling && Math.round(ceiling * 10) / 10, load_share: ceiling ? LOAD_SHARE : null },
      purge: { events, seconds: Math.round(seconds), phases_seconds: purgeSeconds.map(Math.round), events_per_s: Math.round(events / seconds), workflow_runs: runs },
      lead_to_assigned_ms: { ...Object.fromEntries(byPhase.map((p) => [p.label.replace(' ', '_'), summarize(p.ms)])), baselines: base, purges: during, purges_while_deleting: deleting, purges_while_vacuuming: vacuuming },
      p99_ratio_while_deleting: ratio(deleting.p99, base.p99),
      p99_ratio_while_vacuuming: ratio(vacuuming.p99, base.p99),
      p99_ratio_purges_vs_baselines: ratio(during.p99, base.p99),
      p50_ratio_purges_vs_baselines: ratio(during.p50, base.p50),
      noise_p99_ratio_baselines_halves: ratio(Math.max(odd.p99, even.p99), Math.min(odd.p99, even.p99)),
      // Robust to one phase's stall (run 17: one baseline's p99 was 1,677 ms, the rest 40-135): the median of
      // the purge phases' p99s against the median of the baselines'.
      median_phase_p99_ratio: ratio(median(purges.map((p) => summarize(p.ms).p99)), median(baselines.map((b) => summarize(b.ms).p99))),
      baselines_p99_spread: ratio(Math.max(...baselines.map((b) => summarize(b.ms).p99)), Math.min(...baselines.map((b) => summarize(b.ms).p99))),
      database: Object.fromEntries(byPhase.map((p) => [p.label.replace(' ', '_'), p.sampled])) as Record<string, Sampled>,
      goal: `p99 over the purges ≤ ${GOAL_RATIO}× the baselines' p99`,
      goal_met: during.p99 <= GOAL_RATIO * base.p99,
    };
    log(
      table([
        ['lead → assigned (ms)', 'p50', 'p95', 'p99', 'max', 'leads'],
        ...([...byPhase.map((p) => [p.label, summarize(p.ms)]), ['baselines together', base], ['purges together', during], ['purges: deleting', deleting], ['purges: vacuuming', vacuuming]] as Array<[string, Summary]>).map(([l, x]): [string, ...number[]] => [l, x.p50, x.p95, x.p99, x.max, x.count]),
      ]),
    );
    log(`purged ${events.toLocaleString('en')} events (and ${OLD_LEADS.toLocaleString('en')} leads) in ${result.purge.seconds} s over ${runs} run(s): ${result.purge.events_per_s.toLocaleString('en')} events/s`);
    log(`database, per phase (share of samples with a backend waiting on each; WAL written): ${JSON.stringify(result.database, null, 1)}`);
    log(`p99 over the purges ÷ baselines' p99: ${result.p99_ratio_purges_vs_baselines} (goal ≤ ${GOAL_RATIO}: ${result.goal_met ? 'met' : 'NOT met'}); median phase p99, purges ÷ baselines: ${result.median_phase_p99_ratio}; p50: ${result.p50_ratio_purges_vs_baselines}; noise, odd baselines' p99 against even ones': ${result.noise_p99_ratio_baselines_halves} (single baselines' highest ÷ lowest: ${result.baselines_p99_spread})`);
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
