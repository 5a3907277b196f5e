import type { Knex } from 'knex';
import type { Db } from './knex';

/**
 * Pre-aggregated routing statistics. A million leads take several hundred milliseconds merely to scan on a
 * small machine, so performance queries add up rollup rows instead: per day for whole days, per hour for the
 * whole hours around them, and read the source rows only for what is left (under an hour at each end, plus
 * whatever is newer than the last refresh). A Temporal Schedule recomputes the last two days every five
 * minutes and all of history nightly: new leads count at once; a change to an older lead (a late first
 * touch) shows after the next refresh.
 *
 * Each rollup is defined once here; its live query is built from that definition, and so is the DDL a
 * migration records (rollupTableDdl). A change to a definition comes with a migration that recreates the tables.
 */

/**
 * Log-scale histograms of durations: with 20 buckets per factor e a bucket is 5% wide, so percentiles are
 * within 2.5%; per-rep histograms use 10 (within 5%), which halves the rows a summary has to add up.
 */
export const BUCKETS_PER_E = 20;
export const REP_BUCKETS_PER_E = 10;
const durationBucket = (interval: string, perE = BUCKETS_PER_E) => `floor(ln(greatest(EXTRACT(EPOCH FROM (${interval})) * 1000, 0) + 1) * ${perE})::int`;

export interface Rollup {
  name: string;
  /** The source table and its time column, which decides the hour and day. */
  table: 'leads' | 'assignments' | 'activities';
  time: string;
  /** Grouping columns (after org_id and at) as "expression AS name"; NULLs fold to '' so keys are unique. */
  keys: string[];
  /** Summable measures, as "aggregate AS name". */
  measures: string[];
  /** Extra filter on the source rows. */
  where?: string;
}

const SLA_MET = 'has_sla AND first_touch_at IS NOT NULL AND breached_at IS NULL';
const TEAM = "coalesce(team, '') AS team";

export const ROLLUPS: Rollup[] = [
  {
    name: 'rollup_leads',
    table: 'leads',
    time: 'received_at',
    keys: [TEAM, "coalesce(assigned_rep_id, '') AS rep_id"],
    measures: [
      'count(*)::int AS received',
      'count(assigned_at)::int AS assigned',
      "count(*) FILTER (WHERE status = 'UNASSIGNED')::int AS unassigned",
      'count(first_touch_at)::int AS contacted',
      "count(*) FILTER (WHERE status = 'CLOSED')::int AS closed",
      `count(*) FILTER (WHERE ${SLA_MET})::int AS met`,
      'count(breached_at)::int AS breached',
      'count(*) FILTER (WHERE has_sla AND first_touch_at IS NULL AND breached_at IS NULL)::int AS pending',
      'coalesce(sum(reassignment_count), 0)::int AS reassignments',
    ],
  },
  {
    name: 'rollup_assign_durations',
    table: 'leads',
    time: 'received_at',
    keys: [TEAM, `${durationBucket('assigned_at - received_at')} AS bucket`],
    measures: ['count(*)::int AS n'],
    where: 'assigned_at IS NOT NULL',
  },
  {
    name: 'rollup_touch_durations',
    table: 'leads',
    time: 'received_at',
    keys: [TEAM, `${durationBucket('first_touch_at - received_at')} AS bucket`],
    measures: ['count(*)::int AS n'],
    where: 'first_touch_at IS NOT NULL',
  },
  {
    name: 'rollup_rep_touch',
    table: 'leads',
    time: 'received_at',
    keys: [TEAM, "coalesce(assigned_rep_id, '') AS rep_id", `${durationBucket('first_touch_at - received_at', REP_BUCKETS_PER_E)} AS bucket`],
    measures: ['count(*)::int AS n'],
    where: 'first_touch_at IS NOT NULL',
  },
  {
    name: 'rollup_breaches',
    table: 'leads',
    time: 'received_at',
    keys: [TEAM, "coalesce(breached_rep_id, '') AS rep_id"],
    measures: ['count(*)::int AS n'],
    where: 'breached_at IS NOT NULL',
  },
  {
    name: 'rollup_rules',
    table: 'leads',
    time: 'received_at',
    keys: [TEAM, "coalesce(rule_id, '') AS rule_id"],
    measures: ['count(*)::int AS n'],
  },
  {
    name: 'rollup_assignments',
    table: 'assignments',
    time: 'assigned_at',
    keys: ['rep_id'],
    measures: ['count(*)::int AS n'],
  },
  {
    name: 'rollup_activities',
    table: 'activities',
    time: 'occurred_at',
    keys: ["coalesce(rep_id, '') AS rep_id", 'type', "coalesce(outcome, '') AS outcome"],
    measures: ['count(*)::int AS n'],
  },
];

export const rollup = (name: string): Rollup => ROLLUPS.find((r) => r.name === name)!;

const alias = (expr: string) => expr.split(/\s+AS\s+/i).pop()!;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const tableOf = (r: Rollup, grain: 'hour' | 'day') => `${r.name}_${grain}`;
const groupAll = (r: Rollup) => Array.from({ length: 2 + r.keys.length }, (_, i) => i + 1).join(', ');

/** Hourly rows from the source rows that satisfy `where` (which names the time column `{time}`). */
function fromSource(r: Rollup, where: string): string {
  const filter = [where.replaceAll('{time}', r.time), r.where].filter(Boolean).join(' AND ');
  return `SELECT org_id, date_trunc('hour', ${r.time}, 'UTC') AS at, ${[...r.keys, ...r.measures].join(', ')}
          FROM ${r.table} WHERE ${filter} GROUP BY ${groupAll(r)}`;
}

/** Daily rows from the hourly table. */
function fromHours(r: Rollup, where: string): string {
  const keys = r.keys.map(alias);
  const sums = r.measures.map((m) => `sum(${alias(m)})::int AS ${alias(m)}`);
  return `SELECT org_id, date_trunc('day', at, 'UTC') AS at, ${[...keys, ...sums].join(', ')}
          FROM ${tableOf(r, 'hour')} WHERE ${where} GROUP BY ${groupAll(r)}`;
}

/** Creates both tables of every rollup (keyed like their grouping, with a covering index) and the watermarks. */
/**
 * The statements that create and drop the rollup tables for today's definitions. Migrations spell theirs out
 * (they must not change when this code does); a test compares the latest one with these, so a changed
 * definition cannot ship without its migration.
 */
export function rollupTableDdl(): { create: string[]; drop: string[] } {
  const create: string[] = [];
  for (const r of ROLLUPS) {
    for (const grain of ['hour', 'day'] as const) {
      const t = tableOf(r, grain);
      create.push(`CREATE TABLE ${t} AS ${fromSource(r, 'false')}`);
      create.push(`ALTER TABLE ${t} ADD PRIMARY KEY (org_id, at, ${r.keys.map(alias).join(', ')})`);
      // Covering, so a window is an index-only scan (the refresh vacuums to keep it so).
      create.push(`CREATE INDEX ${t}_window ON ${t} (org_id, at) INCLUDE (${[...r.keys, ...r.measures].map(alias).join(', ')})`);
    }
  }
  create.push('CREATE TABLE rollup_state (name text PRIMARY KEY, refreshed_until timestamptz NOT NULL)');
  const drop = [...ROLLUPS.flatMap((r) => (['hour', 'day'] as const).map((g) => `DROP TABLE IF EXISTS ${r.name}_${g}`)), 'DROP TABLE IF EXISTS rollup_state'];
  return { create, drop };
}

/**
 * Recomputes complete hours from `since` (all of history when omitted) up to the current hour, and complete
 * days up to today, then moves the watermarks. Each table is replaced in one transaction, so readers see the
 * old or the new figures, never a mix.
 */
export async function refreshRollups(db: Db, opts: { since?: Date; now?: Date; onProgress?: (rollup: string) => void } = {}): Promise<void> {
  const now = (opts.now ?? new Date()).getTime();
  const hourEnd = new Date(Math.floor(now / HOUR) * HOUR);
  const dayEnd = new Date(Math.floor(now / DAY) * DAY);
  const since = opts.since?.getTime() ?? 0;
  const hourSince = new Date(Math.floor(since / HOUR) * HOUR);
  const daySince = new Date(Math.floor(since / DAY) * DAY);
  for (const r of ROLLUPS) {
    await db.transaction(async (trx) => {
      await trx.raw(`DELETE FROM ${tableOf(r, 'hour')} WHERE at >= ?`, [hourSince]);
      await trx.raw(`INSERT INTO ${tableOf(r, 'hour')} ${fromSource(r, '{time} >= :from AND {time} < :to')}`, { from: hourSince, to: hourEnd });
      await trx.raw(`DELETE FROM ${tableOf(r, 'day')} WHERE at >= ?`, [daySince]);
      await trx.raw(`INSERT INTO ${tableOf(r, 'day')} ${fromHours(r, 'at >= :from AND at < :to')}`, { from: daySince, to: dayEnd });
      for (const [grain, until] of [['hour', hourEnd], ['day', dayEnd]] as const) {
        await trx.raw('INSERT INTO rollup_state (name, refreshed_until) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET refreshed_until = EXCLUDED.refreshed_until', [tableOf(r, grain), until]);
      }
    });
    await db.raw(`VACUUM (ANALYZE) ${tableOf(r, 'hour')}, ${tableOf(r, 'day')}`);
    opts.onProgress?.(r.name);
  }
}

export async function watermarks(db: Db): Promise<Map<string, Date>> {
  const list: Array<{ name: string; refreshed_until: Date }> = await db('rollup_state').select('name', 'refreshed_until');
  return new Map(list.map((r) => [r.name, r.refreshed_until]));
}

export interface Window {
  orgId: string;
  from: Date;
  to: Date;
}

const ceilTo = (t: number, unit: number) => Math.ceil(t / unit) * unit;
const floorTo = (t: number, unit: number) => Math.floor(t / unit) * unit;

/**
 * The window cut into what each source serves: live source rows for the ragged ends, hourly rows for whole
 * hours, daily rows for whole days, never beyond a table's watermark. Returns [from, to) pairs per source.
 */
export function plan(w: Window, hourMark: number, dayMark: number): { live: Array<[number, number]>; hour: Array<[number, number]>; day: Array<[number, number]> } {
  const A = w.from.getTime();
  const Z = w.to.getTime();
  const hs = ceilTo(A, HOUR);
  const he = Math.min(floorTo(Z, HOUR), hourMark);
  if (he <= hs) return { live: [[A, Z]], hour: [], day: [] };
  const ds = ceilTo(hs, DAY);
  const de = Math.min(floorTo(he, DAY), dayMark);
  const nonEmpty = (ranges: Array<[number, number]>) => ranges.filter(([a, b]) => b > a);
  if (de <= ds) return { live: nonEmpty([[A, hs], [he, Z]]), hour: [[hs, he]], day: [] };
  return { live: nonEmpty([[A, hs], [he, Z]]), hour: nonEmpty([[hs, ds], [de, he]]), day: [[ds, de]] };
}

/** Rows of the rollup over the window, with the rollup's columns (org_id, at, keys, measures), for callers to group and sum. */
export function windowRows(db: Db, r: Rollup, w: Window, marks: Map<string, Date>): Knex.Raw {
  const p = plan(w, marks.get(tableOf(r, 'hour'))?.getTime() ?? 0, marks.get(tableOf(r, 'day'))?.getTime() ?? 0);
  const parts: string[] = [];
  const bindings: Array<string | Date> = [];
  const range = (a: number, b: number) => bindings.push(w.orgId, new Date(a), new Date(b));
  for (const [a, b] of p.day) {
    parts.push(`SELECT * FROM ${tableOf(r, 'day')} WHERE org_id = ? AND at >= ? AND at < ?`);
    range(a, b);
  }
  for (const [a, b] of p.hour) {
    parts.push(`SELECT * FROM ${tableOf(r, 'hour')} WHERE org_id = ? AND at >= ? AND at < ?`);
    range(a, b);
  }
  for (const [a, b] of p.live) {
    parts.push(fromSource(r, 'org_id = ? AND {time} >= ? AND {time} < ?'));
    range(a, b);
  }
  return db.raw(`(${parts.join(' UNION ALL ')}) AS w`, bindings);
}
