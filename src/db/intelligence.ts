import type { Db } from './knex';
import { rollup, windowRows, type Window as RollupWindow } from './rollups';

/**
 * Routing performance for one organization over a window of time, read from the rollups (see rollups.ts):
 * each query groups a few thousand pre-aggregated rows plus the live edges of the window.
 */

export interface Window extends RollupWindow {
  team?: string;
  /** How far each rollup table is complete (see rollups.ts). */
  watermarks: Map<string, Date>;
}

export type Histogram = Array<{ bucket: number; n: number }>;

const source = (db: Db, name: string, w: Window) => windowRows(db, rollup(name), w, w.watermarks);

function rows(db: Db, name: string, w: Window) {
  const q = db.from(source(db, name, w));
  if (w.team) q.where('team', w.team);
  return q;
}

export interface LeadCounts {
  team: string;
  rep_id: string;
  received: number;
  assigned: number;
  unassigned: number;
  contacted: number;
  closed: number;
  met: number;
  breached: number;
  pending: number;
  reassignments: number;
}

const COUNT_COLUMNS = ['received', 'assigned', 'unassigned', 'contacted', 'closed', 'met', 'breached', 'pending', 'reassignments'] as const;
const sums = (db: Db) => COUNT_COLUMNS.map((c) => db.raw(`sum(${c})::int AS ${c}`));

/** Lead counts per (team, current rep); '' stands for none. */
export function leadCounts(db: Db, w: Window): Promise<LeadCounts[]> {
  return rows(db, 'rollup_leads', w).groupBy('team', 'rep_id').select('team', 'rep_id', ...sums(db));
}

export function durationHistogram(db: Db, w: Window, kind: 'assign' | 'touch'): Promise<Histogram> {
  return rows(db, `rollup_${kind}_durations`, w).groupBy('bucket').select('bucket', db.raw('sum(n)::int AS n'));
}

export async function touchHistogramsByRep(db: Db, w: Window): Promise<Map<string, Histogram>> {
  const list: Array<{ rep_id: string; bucket: number; n: number }> = await rows(db, 'rollup_rep_touch', w)
    .groupBy('rep_id', 'bucket')
    .select('rep_id', 'bucket', db.raw('sum(n)::int AS n'));
  const out = new Map<string, Histogram>();
  for (const r of list) out.set(r.rep_id, [...(out.get(r.rep_id) ?? []), { bucket: r.bucket, n: r.n }]);
  return out;
}

async function countBy(q: ReturnType<typeof rows>, key: string): Promise<Map<string, number>> {
  const list: Array<{ k: string; n: number }> = await q.groupBy(key).select(`${key} as k`).sum({ n: 'n' });
  return new Map(list.map((r) => [r.k, Number(r.n)]));
}

/** SLA breaches by the rep who held the lead when it breached. */
export const breachesByRep = (db: Db, w: Window) => countBy(rows(db, 'rollup_breaches', w), 'rep_id');

export const ruleMatches = (db: Db, w: Window) => countBy(rows(db, 'rollup_rules', w), 'rule_id');

/** Assignments made to each rep in the window (a reassigned lead counts for each rep who got it). */
export function assignmentsByRep(db: Db, w: Window): Promise<Map<string, number>> {
  return countBy(db.from(source(db, 'rollup_assignments', w)), 'rep_id');
}

export function activityOutcomes(db: Db, w: Window, repIds: string[] | null): Promise<Array<{ type: string; outcome: string; count: number }>> {
  const q = db.from(source(db, 'rollup_activities', w));
  if (repIds) q.whereIn('rep_id', repIds);
  return q.groupBy('type', 'outcome').orderBy(['type', 'outcome']).select('type', 'outcome', db.raw('sum(n)::int AS count'));
}

export function activeReps(db: Db, orgId: string, team?: string): Promise<Array<{ id: string; name: string; teams: string[]; open_leads: number }>> {
  const q = db('reps').where({ org_id: orgId, active: true }).orderBy('id').select('id', 'name', 'teams', 'open_leads');
  if (team) q.whereRaw('teams @> ARRAY[?]::text[]', [team]);
  return q;
}

/** Lead counts per bucket (hour or day) of received leads; buckets with no lead are absent. */
export function bucketCounts(db: Db, w: Window, interval: 'hour' | 'day'): Promise<Array<{ at: Date } & Omit<LeadCounts, 'team' | 'rep_id'>>> {
  return rows(db, 'rollup_leads', w)
    .groupByRaw(`date_trunc('${interval}', at, 'UTC')`)
    .select(db.raw(`date_trunc('${interval}', at, 'UTC') AS at`), ...sums(db));
}

/** A duration's histogram per bucket of received leads. */
export async function bucketHistograms(db: Db, w: Window, interval: 'hour' | 'day', kind: 'assign' | 'touch'): Promise<Map<number, Histogram>> {
  const list: Array<{ at: Date; bucket: number; n: number }> = await rows(db, `rollup_${kind}_durations`, w)
    .groupByRaw(`date_trunc('${interval}', at, 'UTC'), bucket`)
    .select(db.raw(`date_trunc('${interval}', at, 'UTC') AS at`), 'bucket', db.raw('sum(n)::int AS n'));
  const out = new Map<number, Histogram>();
  for (const r of list) {
    const key = new Date(r.at).getTime();
    out.set(key, [...(out.get(key) ?? []), { bucket: r.bucket, n: r.n }]);
  }
  return out;
}
