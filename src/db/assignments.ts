import type { Knex } from 'knex';
import type { Db } from './knex';
import { newId } from '../ids';
import { localDateString } from '../routing/time';

type Conn = Db | Knex.Transaction;

export interface AssignmentRow {
  id: string;
  org_id: string;
  lead_id: string;
  rep_id: string;
  seq: number;
  reason: string;
  rule_id: string | null;
  strategy: string | null;
  /** The pool the rep was drawn from (team:…, reps:…, owner, rep:…): where its round-robin pointer stood. Null before backtests. */
  pool_key?: string | null;
  assigned_at: Date;
  ended_at: Date | null;
  end_reason: string | null;
}

export function leadAssignments(db: Conn, leadId: string): Promise<AssignmentRow[]> {
  return db<AssignmentRow>('assignments').where({ lead_id: leadId }).orderBy('seq');
}

/**
 * Ends the leads' open assignments, if any, gives their reps the capacity back and asks for the leads waiting
 * for those reps to be woken once the transaction commits (wake requests). One statement. Returns, per lead
 * that had one, the rep it had.
 */
export async function endOpenAssignments(trx: Knex.Transaction, orgId: string, ends: ReadonlyArray<{ leadId: string; reason: string; at: Date }>): Promise<Map<string, string>> {
  if (!ends.length) return new Map();
  const { rows } = await trx.raw<{ rows: Array<{ lead_id: string; rep_id: string }> }>(
    `WITH v AS (
       SELECT * FROM jsonb_to_recordset(:ends::jsonb) AS v(lead_id text, reason text, at timestamptz)
     ), ended AS (
       UPDATE assignments a SET ended_at = v.at, end_reason = v.reason FROM v
        WHERE a.lead_id = ANY(:leads::text[]) AND a.lead_id = v.lead_id AND a.ended_at IS NULL RETURNING a.lead_id, a.rep_id
     ), freed AS (
       UPDATE reps r SET open_leads = GREATEST(r.open_leads - f.n, 0)
         FROM (SELECT rep_id, count(*)::int AS n FROM ended GROUP BY rep_id) f WHERE r.id = f.rep_id RETURNING r.id
     ), woken AS (
       INSERT INTO wake_requests (org_id, rep_id) SELECT :org, id FROM freed
     )
     SELECT lead_id, rep_id FROM ended`,
    // The id list lets the planner use the index on lead_id (it cannot size a row set built from JSON).
    { ends: JSON.stringify(ends.map((e) => ({ lead_id: e.leadId, reason: e.reason, at: e.at }))), leads: ends.map((e) => e.leadId), org: orgId },
  );
  return new Map(rows.map((r) => [r.lead_id, r.rep_id]));
}

/** One lead's open assignment ended (see endOpenAssignments): the rep it had, or null. */
export async function endOpenAssignment(trx: Knex.Transaction, orgId: string, leadId: string, reason: string, at: Date): Promise<string | null> {
  return (await endOpenAssignments(trx, orgId, [{ leadId, reason, at }])).get(leadId) ?? null;
}

export interface PoolUpdate {
  key: string;
  last_rep_id: string | null;
  credits: Record<string, number>;
}

export type NewAssignment = Omit<AssignmentRow, 'id' | 'org_id' | 'ended_at' | 'end_reason'> & { repTimezone: string };

/**
 * Records routing decisions in one statement: the pools' new rotation state, the open assignments, and each
 * rep's counters (open leads, last assignment, today's count in the rep's time zone). The pool and rep rows
 * were locked when the decisions were made; one round trip keeps those locks short.
 */
export async function startAssignments(trx: Knex.Transaction, orgId: string, assignments: readonly NewAssignment[], pools: readonly PoolUpdate[]): Promise<void> {
  if (!assignments.length && !pools.length) return;
  const rows = assignments.map(({ repTimezone, ...a }) => ({ ...a, id: newId('assignment'), day: localDateString(a.assigned_at.getTime(), repTimezone) }));
  await trx.raw(
    `WITH pools AS (
       INSERT INTO routing_pools (org_id, pool_key, last_rep_id, credits, updated_at)
       SELECT :org, t.key, t.last_rep_id, t.credits::jsonb, now() FROM unnest(:keys::text[], :lasts::text[], :credits::text[]) AS t(key, last_rep_id, credits)
       ON CONFLICT (org_id, pool_key) DO UPDATE SET last_rep_id = excluded.last_rep_id, credits = excluded.credits, updated_at = excluded.updated_at
     ), v AS (
       SELECT * FROM jsonb_to_recordset(:rows::jsonb) AS v(id text, lead_id text, rep_id text, seq int, reason text, rule_id text,
                                                            strategy text, pool_key text, assigned_at timestamptz, day date)
     ), opened AS (
       INSERT INTO assignments (id, org_id, lead_id, rep_id, seq, reason, rule_id, strategy, pool_key, assigned_at)
       SELECT id, :org, lead_id, rep_id, seq, reason, rule_id, strategy, pool_key, assigned_at FROM v
     ), counted AS (
       UPDATE reps r SET open_leads = r.open_leads + c.n, last_assigned_at = c.last
         FROM (SELECT rep_id, count(*)::int AS n, max(assigned_at) AS last FROM v GROUP BY rep_id) c WHERE r.id = c.rep_id
     )
     INSERT INTO rep_daily_counts (rep_id, day, assigned) SELECT rep_id, day, count(*)::int FROM v GROUP BY rep_id, day
     ON CONFLICT (rep_id, day) DO UPDATE SET assigned = rep_daily_counts.assigned + excluded.assigned`,
    {
      org: orgId,
      keys: pools.map((p) => p.key),
      lasts: pools.map((p) => p.last_rep_id),
      credits: pools.map((p) => JSON.stringify(p.credits)),
      rows: JSON.stringify(rows),
    },
  );
}
