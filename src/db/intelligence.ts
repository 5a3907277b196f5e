import type { Knex } from 'knex';
import type { Db } from './knex';

/**
 * Routing performance straight from the lead rows, over one organization's window of received leads. Every
 * query is an index-only or index range scan (see the intelligence migration), and percentiles come from a
 * log-scale histogram aggregated in SQL (hash aggregation, no sort), which keeps a million-lead window fast.
 */

export interface Window {
  orgId: string;
  from: Date;
  to: Date;
  team?: string;
}

/** Histogram bucket of a duration: 50 buckets per e-fold, so a bucket is 2% wide. */
export const BUCKETS_PER_E = 50;
const bucketOf = (interval: string) => `floor(ln(greatest(EXTRACT(EPOCH FROM (${interval})) * 1000, 0) + 1) * ${BUCKETS_PER_E})::int`;

function windowed(db: Db, w: Window): Knex.QueryBuilder {
  const q = db('leads').where('org_id', w.orgId).where('received_at', '>=', w.from).where('received_at', '<', w.to);
  if (w.team) q.where('team', w.team);
  return q;
}

export interface LeadTotals {
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

export async function leadTotals(db: Db, w: Window): Promise<LeadTotals> {
  const row = await windowed(db, w).first(
    db.raw('count(*)::int AS received'),
    db.raw('count(assigned_at)::int AS assigned'),
    db.raw("count(*) FILTER (WHERE status = 'UNASSIGNED')::int AS unassigned"),
    db.raw('count(first_touch_at)::int AS contacted'),
    db.raw("count(*) FILTER (WHERE status = 'CLOSED')::int AS closed"),
    db.raw('count(*) FILTER (WHERE has_sla AND first_touch_at IS NOT NULL AND breached_at IS NULL)::int AS met'),
    db.raw('count(breached_at)::int AS breached'),
    db.raw('count(*) FILTER (WHERE has_sla AND first_touch_at IS NULL AND breached_at IS NULL)::int AS pending'),
    db.raw('coalesce(sum(reassignment_count), 0)::int AS reassignments'),
  );
  return row as LeadTotals;
}

export type Histogram = Array<{ bucket: number; n: number }>;

/** Histograms of received → assigned and received → first touch, overall and per assigned rep (touch only). */
export async function durationHistograms(db: Db, w: Window): Promise<{ assign: Histogram; touch: Histogram; touchByRep: Map<string, Histogram> }> {
  const rows: Array<{ kind: string; rep: string | null; bucket: number; n: number }> = await db
    .from(
      windowed(db, w)
        .select(db.raw(`'assign' AS kind, NULL::text AS rep, ${bucketOf('assigned_at - received_at')} AS bucket`))
        .whereNotNull('assigned_at')
        .unionAll(windowed(db, w).select(db.raw(`'touch' AS kind, assigned_rep_id AS rep, ${bucketOf('first_touch_at - received_at')} AS bucket`)).whereNotNull('first_touch_at'))
        .as('d'),
    )
    .groupBy('kind', 'rep', 'bucket')
    .select('kind', 'rep', 'bucket', db.raw('count(*)::int AS n'));
  const assign: Histogram = [];
  const touch = new Map<number, number>();
  const touchByRep = new Map<string, Histogram>();
  for (const r of rows) {
    if (r.kind === 'assign') assign.push({ bucket: r.bucket, n: r.n });
    else {
      touch.set(r.bucket, (touch.get(r.bucket) ?? 0) + r.n);
      if (r.rep) {
        const h = touchByRep.get(r.rep) ?? [];
        h.push({ bucket: r.bucket, n: r.n });
        touchByRep.set(r.rep, h);
      }
    }
  }
  return { assign, touch: [...touch].map(([bucket, n]) => ({ bucket, n })), touchByRep };
}

export async function perRepLeads(db: Db, w: Window): Promise<Array<{ rep_id: string; contacted: number; held: number }>> {
  return windowed(db, w)
    .whereNotNull('assigned_rep_id')
    .groupBy('assigned_rep_id')
    .select('assigned_rep_id as rep_id', db.raw('count(first_touch_at)::int AS contacted'), db.raw('count(*)::int AS held'));
}

export async function assignmentsByRep(db: Db, w: Window): Promise<Map<string, number>> {
  const rows: Array<{ rep_id: string; n: number }> = await db('assignments')
    .where('org_id', w.orgId)
    .where('assigned_at', '>=', w.from)
    .where('assigned_at', '<', w.to)
    .groupBy('rep_id')
    .select('rep_id', db.raw('count(*)::int AS n'));
  return new Map(rows.map((r) => [r.rep_id, r.n]));
}

export async function breachesByRep(db: Db, w: Window): Promise<Map<string, number>> {
  const rows: Array<{ rep_id: string; n: number }> = await db('events')
    .where({ org_id: w.orgId, type: 'SLA_BREACHED' })
    .where('occurred_at', '>=', w.from)
    .where('occurred_at', '<', w.to)
    .whereNotNull('rep_id')
    .groupBy('rep_id')
    .select('rep_id', db.raw('count(*)::int AS n'));
  return new Map(rows.map((r) => [r.rep_id, r.n]));
}

export async function ruleMatches(db: Db, w: Window): Promise<Array<{ rule_id: string; matches: number }>> {
  return windowed(db, w).whereNotNull('rule_id').groupBy('rule_id').orderBy([{ column: 'matches', order: 'desc' }, { column: 'rule_id' }]).select('rule_id', db.raw('count(*)::int AS matches'));
}

export async function activityOutcomes(db: Db, w: Window, repIds: string[] | null): Promise<Array<{ type: string; outcome: string | null; count: number }>> {
  const q = db('activities').where('org_id', w.orgId).where('occurred_at', '>=', w.from).where('occurred_at', '<', w.to);
  if (repIds) q.whereIn('rep_id', repIds);
  return q.groupBy('type', 'outcome').orderBy(['type', 'outcome']).select('type', 'outcome', db.raw('count(*)::int AS count'));
}

/** Leads per (team, assigned rep) in the window, for distribution fairness. */
export async function leadsByTeamRep(db: Db, w: Window): Promise<Array<{ team: string; rep_id: string; n: number }>> {
  return windowed(db, w).whereNotNull('team').whereNotNull('assigned_rep_id').groupBy('team', 'assigned_rep_id').select('team', 'assigned_rep_id as rep_id', db.raw('count(*)::int AS n'));
}

export async function activeReps(db: Db, orgId: string, team?: string): Promise<Array<{ id: string; name: string; teams: string[]; open_leads: number }>> {
  const q = db('reps').where({ org_id: orgId, active: true }).orderBy('id').select('id', 'name', 'teams', 'open_leads');
  if (team) q.whereRaw('teams @> ARRAY[?]::text[]', [team]);
  return q;
}

export interface BucketCounts {
  at: Date;
  received: number;
  assigned: number;
  contacted: number;
  breached: number;
  met: number;
}

const truncate = (interval: 'hour' | 'day') => `date_trunc('${interval}', received_at, 'UTC')`;

/** Counts per bucket of received leads (buckets with no lead are absent). */
export async function bucketCounts(db: Db, w: Window, interval: 'hour' | 'day'): Promise<BucketCounts[]> {
  return windowed(db, w)
    .groupByRaw(truncate(interval))
    .select(
      db.raw(`${truncate(interval)} AS at`),
      db.raw('count(*)::int AS received'),
      db.raw('count(assigned_at)::int AS assigned'),
      db.raw('count(first_touch_at)::int AS contacted'),
      db.raw('count(breached_at)::int AS breached'),
      db.raw('count(*) FILTER (WHERE has_sla AND first_touch_at IS NOT NULL AND breached_at IS NULL)::int AS met'),
    );
}

/** A duration's histogram per bucket of received leads. */
export async function bucketHistograms(db: Db, w: Window, interval: 'hour' | 'day', kind: 'assign' | 'touch'): Promise<Map<number, Histogram>> {
  const end = kind === 'assign' ? 'assigned_at' : 'first_touch_at';
  const rows: Array<{ at: Date; bucket: number; n: number }> = await windowed(db, w)
    .whereNotNull(end)
    .groupByRaw(`1, 2`)
    .select(db.raw(`${truncate(interval)} AS at`), db.raw(`${bucketOf(`${end} - received_at`)} AS bucket`), db.raw('count(*)::int AS n'));
  const out = new Map<number, Histogram>();
  for (const r of rows) {
    const key = new Date(r.at).getTime();
    const h = out.get(key) ?? [];
    h.push({ bucket: r.bucket, n: r.n });
    out.set(key, h);
  }
  return out;
}
