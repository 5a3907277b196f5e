import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '../src/db/knex';
import { dataDir } from '../src/dev/tools';
import { startBenchStack } from './lib/benchStack';
import { drive } from './lib/driver';
import { api, createOrgWithTeams, lead, type Org } from './lib/scenario';
import { summarize, table } from './lib/stats';

/**
 * `npm run bench:soak` (issue 32): many leads open at once, each with its SLA timer pending, on this machine's
 * dev server (its history in a file, so its disk can be read). Measures the time to open them, the worker's
 * memory with its sticky cache bounded (WORKER_MAX_CACHED_WORKFLOWS), Temporal's and Postgres's disk per open
 * lead, lead → assigned p50 for new leads against the same measure on the empty system, and that every timer
 * that falls due during the run (DUE_SHARE of the leads, SLA of DUE_MINUTES) is handled, with its lateness.
 * Writes bench/results/soak-latest.json.
 */
const OPEN = Number(process.env.BENCH_SOAK_LEADS ?? 100_000);
const CACHE = Number(process.env.BENCH_SOAK_CACHE ?? 2000);
const DUE_SHARE = Number(process.env.BENCH_SOAK_DUE_SHARE ?? 0.02);
const DUE_MINUTES = Number(process.env.BENCH_SOAK_DUE_MINUTES ?? 3);
const CONCURRENCY = Number(process.env.BENCH_SOAK_CONCURRENCY ?? 16);
/**
 * Leads sent but not yet routed, at most: the soak sends as fast as the machine routes. Without a bound the API
 * took leads twice as fast as two cores routed them, the cores went to taking leads (routing fell to 10 a
 * second) and 75,000 waited in Temporal's queue when the run had to stop.
 */
const BACKLOG = Number(process.env.BENCH_SOAK_BACKLOG ?? 500);
const PROBE_RATE = 10;
const PROBE_LEADS = 300;
const GOAL_RATIO = 1.2;
/** With the backlog bounded, what is left to route after the last POST is at most BACKLOG leads. */
const ROUTING_WAIT_MS = 600_000;
const log = (m: string) => process.stdout.write(`${m}\n`);

const rssMb = (pid: number | undefined): number => {
  const m = pid ? /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8')) : null;
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
};
const fileBytes = (file: string): number => ['', '-wal', '-shm'].reduce((n, s) => n + (fs.existsSync(file + s) ? fs.statSync(file + s).size : 0), 0);
const pgBytes = async (db: Db): Promise<number> => Number((await db.first(db.raw('pg_database_size(current_database()) AS n'))).n);

/** Most leads wait on a 10-hour SLA; those whose campaign is `due-soon` fall due during the run. */
const soakRules = {
  name: 'Soak',
  rules: [{ id: 'due-soon', when: { field: 'attributes.campaign', op: 'eq', value: 'due-soon' }, then: { strategy: 'ROUND_ROBIN', team: 'sdr', sla: { first_touch_minutes: DUE_MINUTES } } }],
  fallback: { strategy: 'LOAD_BALANCED', team: 'sdr' },
  sla: { first_touch_minutes: 600 },
};

/** lead → assigned of PROBE_LEADS new leads at PROBE_RATE per second (open loop), ms. */
async function probe(db: Db, org: Org, baseUrl: string, label: string): Promise<number[]> {
  const since = new Date();
  await drive(label, PROBE_LEADS, { concurrency: 8, ratePerSecond: PROBE_RATE }, async (i) => {
    await api(baseUrl, org.key, 'POST', '/v1/leads', lead(i, `${label.replace(/\W/g, '')}${Date.now() % 1e6}`));
  });
  const rows: Array<{ ms: number | null }> = await db('leads').where({ org_id: org.orgId }).andWhere('received_at', '>=', since).select(db.raw('EXTRACT(EPOCH FROM (assigned_at - received_at)) * 1000 AS ms'));
  return rows.filter((r) => r.ms !== null).map((r) => Number(r.ms));
}

async function main(): Promise<void> {
  const temporalDb = path.join(dataDir(), 'bench', 'soak-temporal.db');
  for (const s of ['', '-wal', '-shm']) fs.rmSync(temporalDb + s, { force: true });
  log(`\nbench:soak (${os.cpus().length} cores): ${OPEN.toLocaleString('en')} open leads, worker cache ${CACHE}, ${DUE_SHARE * 100}% due after ${DUE_MINUTES} min`);
  const stack = await startBenchStack('soak', log, { temporalDbFile: temporalDb, env: { WORKER_MAX_CACHED_WORKFLOWS: String(CACHE) } });
  const db = createDb(stack.database.url, 4);
  try {
    const probeOrg = await createOrgWithTeams(stack.database.url, stack.baseUrl, `soak probe ${Date.now()}`, { first_touch_minutes: 600 });
    const soakOrg = await createOrgWithTeams(stack.database.url, stack.baseUrl, `soak open ${Date.now()}`, { first_touch_minutes: 600 }, soakRules);
    await probe(db, probeOrg, stack.baseUrl, 'warm-up');
    const empty = summarize(await probe(db, probeOrg, stack.baseUrl, 'empty system'));
    const before = { temporal: fileBytes(temporalDb), postgres: await pgBytes(db), rss: rssMb(stack.worker?.pid) };

    const dueEvery = Math.max(1, Math.round(1 / DUE_SHARE));
    const assigned = async () => Number((await db('leads').where({ org_id: soakOrg.orgId }).whereNotNull('assigned_at').count({ n: '*' }).first())?.n ?? 0);
    let routed = 0;
    let sending = true;
    const counting = (async () => {
      while (sending) {
        routed = await assigned();
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    const opened = await drive(`opening ${OPEN} leads`, OPEN, { concurrency: CONCURRENCY }, async (i) => {
      while (i - routed >= BACKLOG) await new Promise((r) => setTimeout(r, 100));
      const body = { ...lead(i, `soak${i}`), attributes: { campaign: i % dueEvery === 0 ? 'due-soon' : 'none' } };
      await api(stack.baseUrl, soakOrg.key, 'POST', '/v1/leads?wait_ms=0', body);
    }).finally(() => (sending = false));
    await counting;
    const openAt = Date.now();
    for (let n = await assigned(); n < OPEN - opened.errors && Date.now() - openAt < ROUTING_WAIT_MS; n = await assigned()) await new Promise((r) => setTimeout(r, 1000));
    const assignedAll = await assigned();
    const routedSeconds = (Date.now() - openAt + opened.elapsedMs) / 1000;
    const loaded = summarize(await probe(db, probeOrg, stack.baseUrl, `${OPEN} open`));
    const after = { temporal: fileBytes(temporalDb), postgres: await pgBytes(db), rss: rssMb(stack.worker?.pid) };

    // Every timer that has come due by now, handled: SLA_BREACHED written, and how late.
    const dueQuery = () => db('leads').where({ org_id: soakOrg.orgId }).whereNotNull('sla_due_at').andWhere('sla_due_at', '<', db.fn.now());
    const lastDue: Date | null = (await db('leads').where({ org_id: soakOrg.orgId }).andWhere('sla_due_at', '<', db.raw("now() + interval '1 hour'")).max({ at: 'sla_due_at' }).first())?.at ?? null;
    if (lastDue) await new Promise((r) => setTimeout(r, Math.max(0, lastDue.getTime() - Date.now()) + 15_000));
    const due = Number((await dueQuery().clone().count({ n: '*' }).first())?.n ?? 0);
    const late: Array<{ ms: number }> = await db('leads as l')
      .join('events as e', function joinBreach() {
        this.on('e.lead_id', 'l.id').andOnVal('e.type', 'SLA_BREACHED');
      })
      .where('l.org_id', soakOrg.orgId)
      .select(db.raw('EXTRACT(EPOCH FROM (e.occurred_at - l.sla_due_at)) * 1000 AS ms'));
    const lateness = summarize(late.map((r) => Number(r.ms)));
    const rssEnd = rssMb(stack.worker?.pid);

    const ratio = Math.round((loaded.p50 / empty.p50) * 100) / 100;
    const result = {
      at: new Date().toISOString(),
      machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model },
      parameters: { open_leads: OPEN, worker_max_cached_workflows: CACHE, due_share: DUE_SHARE, due_minutes: DUE_MINUTES, concurrency: CONCURRENCY, backlog: BACKLOG },
      opening: { seconds: Math.round(routedSeconds), per_s: Math.round((assignedAll / routedSeconds) * 10) / 10, errors: opened.errors, assigned: assignedAll },
      worker_rss_mb: { before: before.rss, with_all_open: after.rss, at_end: rssEnd },
      disk_bytes_per_open_lead: { temporal: Math.round((after.temporal - before.temporal) / assignedAll), postgres: Math.round((after.postgres - before.postgres) / assignedAll) },
      lead_to_assigned_ms: { empty, with_all_open: loaded },
      p50_ratio: ratio,
      timers: { due, breaches_handled: lateness.count, lateness_ms: lateness },
      goals: { p50_ratio_max: GOAL_RATIO, p50_ratio_met: ratio <= GOAL_RATIO, every_due_timer_handled: lateness.count >= due },
    };
    log(
      table([
        ['soak', 'value'],
        ['leads opened (assigned)', `${assignedAll} in ${result.opening.seconds} s (${result.opening.per_s}/s, ${opened.errors} errors)`],
        ['worker RSS MB before / all open / end', `${before.rss} / ${after.rss} / ${rssEnd}`],
        ['Temporal disk per open lead (bytes)', result.disk_bytes_per_open_lead.temporal],
        ['Postgres disk per open lead (bytes)', result.disk_bytes_per_open_lead.postgres],
        ['lead → assigned p50 ms: empty / all open', `${empty.p50} / ${loaded.p50} (×${ratio}, goal ≤ ${GOAL_RATIO})`],
        ['timers due / handled', `${due} / ${lateness.count}`],
        ['breach handled after deadline p50 / p99 ms', `${lateness.p50} / ${lateness.p99}`],
      ]),
    );
    const dir = path.resolve(__dirname, 'results');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'soak-latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await db.destroy();
    await stack.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
