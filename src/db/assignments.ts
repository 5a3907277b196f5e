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
 * Ends the lead's open assignment, if any, gives the rep the capacity back and asks for the leads waiting for
 * that rep to be woken once the transaction commits (a wake request). One statement. Returns that rep.
 */
export async function endOpenAssignment(trx: Knex.Transaction, orgId: string, leadId: string, reason: string, at: Date): Promise<string | null> {
  const { rows } = await trx.raw<{ rows: Array<{ rep_id: string }> }>(
    `WITH ended AS (
       UPDATE assignments SET ended_at = :at, end_reason = :reason WHERE lead_id = :lead AND ended_at IS NULL RETURNING rep_id
     ), freed AS (
       UPDATE reps SET open_leads = GREATEST(open_leads - 1, 0) WHERE id IN (SELECT rep_id FROM ended) RETURNING id
     ), woken AS (
       INSERT INTO wake_requests (org_id, rep_id) SELECT :org, id FROM freed
     )
     SELECT rep_id FROM ended`,
    { at, reason, lead: leadId, org: orgId },
  );
  return rows[0]?.rep_id ?? null;
}

export interface PoolUpdate {
  key: string;
  last_rep_id: string | null;
  credits: Record<string, number>;
}

/**
 * Records a routing decision in one statement: the pools' new rotation state, the open assignment, and the
 * rep's counters (open leads, last assignment, today's count in the rep's time zone). The pool rows were
 * locked when the decision was made; one round trip keeps that lock short.
 */
export async function startAssignment(trx: Knex.Transaction, a: Omit<AssignmentRow, 'id' | 'ended_at' | 'end_reason'>, repTimezone: string, pools: PoolUpdate[]): Promise<void> {
  await trx.raw(
    `WITH pools AS (
       INSERT INTO routing_pools (org_id, pool_key, last_rep_id, credits, updated_at)
       SELECT :org, t.key, t.last_rep_id, t.credits::jsonb, now() FROM unnest(:keys::text[], :lasts::text[], :credits::text[]) AS t(key, last_rep_id, credits)
       ON CONFLICT (org_id, pool_key) DO UPDATE SET last_rep_id = excluded.last_rep_id, credits = excluded.credits, updated_at = excluded.updated_at
     ), opened AS (
       INSERT INTO assignments (id, org_id, lead_id, rep_id, seq, reason, rule_id, strategy, pool_key, assigned_at)
       VALUES (:id, :org, :lead, :rep, :seq, :why, :rule, :strategy, :pool, :at)
     ), counted AS (
       UPDATE reps SET open_leads = open_leads + 1, last_assigned_at = :at WHERE id = :rep
     )
     INSERT INTO rep_daily_counts (rep_id, day, assigned) VALUES (:rep, :day, 1)
     ON CONFLICT (rep_id, day) DO UPDATE SET assigned = rep_daily_counts.assigned + 1`,
    {
      org: a.org_id,
      keys: pools.map((p) => p.key),
      lasts: pools.map((p) => p.last_rep_id),
      credits: pools.map((p) => JSON.stringify(p.credits)),
      id: newId('assignment'),
      lead: a.lead_id,
      rep: a.rep_id,
      seq: a.seq,
      why: a.reason,
      rule: a.rule_id,
      strategy: a.strategy,
      pool: a.pool_key ?? null,
      at: a.assigned_at,
      day: localDateString(a.assigned_at.getTime(), repTimezone),
    },
  );
}
