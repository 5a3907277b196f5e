import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDb, type Db } from '../src/db/knex';
import { ensureDatabase, migrateLatest } from '../src/db/migrate';
import { refreshRollups } from '../src/db/rollups';
import { newId } from '../src/ids';
import { summary, timeseries } from '../src/services/intelligence';
import { summarize, table } from './lib/stats';

/**
 * `npm run bench:intelligence`: seeds an organization with a million leads (once; --reseed to redo) in
 * database routeswit_bench_intelligence (kept apart from the load benchmark's), then times the intelligence
 * queries over it. Goal: summary under 200 ms.
 */
const { values: args } = parseArgs({ options: { leads: { type: 'string', default: '1000000' }, reseed: { type: 'boolean', default: false }, runs: { type: 'string', default: '10' } } });
const LEADS = Number(args.leads);
const ORG_NAME = `intelligence ${LEADS}`;
const DAY = 86_400_000;
const log = (m: string) => process.stdout.write(`${m}\n`);

async function seed(db: Db): Promise<string> {
  const existing = await db('organizations').where({ name: ORG_NAME }).first('id');
  if (existing && !args.reseed) {
    const n = await db('leads').where({ org_id: existing.id }).count('* as n').first();
    if (Number(n?.n) >= LEADS) {
      log(`using the seeded organization ${existing.id} (${n?.n} leads); --reseed to seed again`);
      return existing.id as string;
    }
  }
  if (existing) await db('organizations').where({ id: existing.id }).delete();
  const orgId = newId('org');
  await db('organizations').insert({ id: orgId, name: ORG_NAME });
  const teams = ['emea-ae', 'amer-ae', 'sdr'];
  const reps = Array.from({ length: 20 }, (_, i) => ({ id: newId('rep'), org_id: orgId, name: `Rep ${i}`, email: `rep${i}@seed.io`, status: 'AVAILABLE', teams: [teams[i % 3]!] }));
  await db('reps').insert(reps);
  log(`seeding ${LEADS} leads over the last 30 days…`);
  const t0 = Date.now();
  await db.raw(
    `INSERT INTO contacts (id, org_id, email)
     SELECT 'ct_seed' || lpad(g::text, 15, '0'), ?, 'c' || g || '@seed.io' FROM generate_series(1, 10000) g`,
    [orgId],
  );
  const repIds = reps.map((r) => r.id);
  const repTeams = reps.map((r) => r.teams[0]);
  // Realistic shapes: most leads assigned within a second, three quarters touched within hours, one in
  // five breached, a few unassigned or closed; rules follow a skewed distribution.
  await db.raw(
    `INSERT INTO leads (id, org_id, contact_id, email, status, workflow_id, received_at, team, assigned_rep_id, assigned_at,
                        first_touch_at, breached_at, breached_rep_id, sla, rule_id, reassignment_count, unassigned_reason)
     SELECT 'lead_seed' || lpad(g::text, 13, '0'), :org, 'ct_seed' || lpad((1 + g % 10000)::text, 15, '0'), 'l' || g || '@seed.io',
            CASE WHEN u < 0.03 THEN 'UNASSIGNED' WHEN u < 0.08 THEN 'CLOSED' WHEN t < 0.75 THEN 'CONTACTED' ELSE 'ASSIGNED' END,
            'lead-seed-' || g, rcv,
            CASE WHEN u < 0.03 THEN NULL ELSE (:teams::text[])[1 + r % 20] END,
            CASE WHEN u < 0.03 THEN NULL ELSE (:reps::text[])[1 + r % 20] END,
            CASE WHEN u < 0.03 THEN NULL ELSE rcv + make_interval(secs => 0.02 + random() * random() * 2) END,
            CASE WHEN u >= 0.03 AND t < 0.75 THEN rcv + make_interval(secs => random() * random() * 14400) END,
            CASE WHEN u >= 0.03 AND b < 0.2 THEN rcv + interval '15 minutes' END,
            CASE WHEN u >= 0.03 AND b < 0.2 THEN (:reps::text[])[1 + r % 20] END,
            '{"first_touch_minutes":15,"business_hours":false,"escalations":[],"max_reassignments":3}'::jsonb,
            'rule-' || floor(random() * random() * 30)::int,
            CASE WHEN b < 0.05 THEN 1 ELSE 0 END,
            CASE WHEN u < 0.03 THEN 'NO_ELIGIBLE_REP' END
     FROM (SELECT g, random() AS u, random() AS t, random() AS b, floor(random() * 20)::int AS r,
                  now() - make_interval(secs => random() * 30 * 86400) AS rcv
           FROM generate_series(1, :n) g) s`,
    { org: orgId, teams: repTeams, reps: repIds, n: LEADS },
  );
  await db.raw(
    `INSERT INTO assignments (id, org_id, lead_id, rep_id, seq, reason, assigned_at, ended_at)
     SELECT 'asg_seed' || substr(id, 10), org_id, id, assigned_rep_id, 1, 'ROUTED', assigned_at,
            CASE WHEN status = 'CLOSED' THEN assigned_at + interval '1 day' END
     FROM leads WHERE org_id = ? AND assigned_rep_id IS NOT NULL`,
    [orgId],
  );
  await db.raw(
    `INSERT INTO events (id, org_id, lead_id, type, rep_id, step_key, occurred_at)
     SELECT 'evt_seed' || substr(id, 10), org_id, id, 'SLA_BREACHED', assigned_rep_id, 'seed:breach', breached_at
     FROM leads WHERE org_id = ? AND breached_at IS NOT NULL`,
    [orgId],
  );
  await db.raw(
    `INSERT INTO activities (id, org_id, contact_id, rep_id, type, outcome, occurred_at)
     SELECT 'act_seed' || substr(id, 10), org_id, contact_id, assigned_rep_id,
            (ARRAY['CALL','EMAIL','MEETING','NOTE'])[1 + floor(random() * 4)::int],
            (ARRAY['POSITIVE','NEUTRAL','NEGATIVE','NO_ANSWER'])[1 + floor(random() * 4)::int], first_touch_at
     FROM leads WHERE org_id = ? AND first_touch_at IS NOT NULL AND random() < 0.4`,
    [orgId],
  );
  await db.raw('VACUUM ANALYZE leads, assignments, events, activities');
  log(`seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return orgId;
}

async function time(fn: () => Promise<unknown>, runs: number): Promise<number[]> {
  await fn(); // the first run warms caches, as a dashboard's second refresh would find them
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/routeswit_bench_intelligence';
  await ensureDatabase(url);
  const db = createDb(url, 10);
  try {
    await migrateLatest(db);
    const orgId = await seed(db);
    // What the rollup Schedules do in production: all of history nightly, the last two days every 5 minutes.
    const r0 = Date.now();
    await refreshRollups(db);
    const refreshMs = Date.now() - r0;
    const r1 = Date.now();
    await refreshRollups(db, { since: new Date(Date.now() - 48 * 3_600_000) });
    const recentMs = Date.now() - r1;
    log(`rollups: full refresh ${refreshMs} ms (nightly), last-two-days refresh ${recentMs} ms (every 5 minutes)`);
    const runs = Number(args.runs);
    const now = Date.now();
    const all = { from: new Date(now - 31 * DAY).toISOString(), to: new Date(now + DAY).toISOString() };
    const week = { from: new Date(now - 7 * DAY).toISOString(), to: new Date(now).toISOString() };
    const cases: Array<[string, () => Promise<unknown>]> = [
      [`summary, all ${LEADS} leads`, () => summary({ db }, orgId, all)],
      ['summary, last 7 days', () => summary({ db }, orgId, week)],
      ['summary, one team, all leads', () => summary({ db }, orgId, { ...all, team: 'sdr' })],
      ['timeseries received per hour, 30 days', () => timeseries({ db }, orgId, { metric: 'received', interval: 'hour', ...all })],
      ['timeseries p50 time to touch per day', () => timeseries({ db }, orgId, { metric: 'time_to_first_touch_p50', interval: 'day', ...all })],
    ];
    const results: Record<string, ReturnType<typeof summarize>> = {};
    for (const [name, fn] of cases) results[name] = summarize(await time(fn, runs));
    log('');
    log(table([['query (ms)', 'p50', 'p95', 'max'], ...Object.entries(results).map(([n, s]): [string, number, number, number] => [n, s.p50, s.p95, s.max])]));
    const headline = results[`summary, all ${LEADS} leads`]!;
    log(`\ngoal: summary under 200 ms for ${LEADS} leads: ${headline.p50 < 200 ? 'MET' : 'NOT MET'} (p50 ${headline.p50} ms)`);
    const dir = path.resolve(__dirname, 'results');
    fs.mkdirSync(dir, { recursive: true });
    const out = { benchmark: 'intelligence', at: new Date().toISOString(), leads: LEADS, rollup_full_refresh_ms: refreshMs, rollup_recent_refresh_ms: recentMs, results, machine: { cores: os.cpus().length, node: process.version } };
    fs.writeFileSync(path.join(dir, 'intelligence-latest.json'), `${JSON.stringify(out, null, 2)}\n`);
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
