import type { Knex } from 'knex';
import type { Db } from './knex';
import { newId } from '../ids';
import type { UnassignedReason } from '../lead/model';
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
 * What a routing attempt wrote, if it ran before: the rep it assigned, or the "nobody eligible" step. A
 * retried attempt reports that instead of routing again. One round trip, as nearly always there is nothing.
 */
export async function priorAttempt(
  db: Conn,
  leadId: string,
  attempt: number,
): Promise<{ repId: string | null; noRep: { reason: UnassignedReason; retry_at: string | null } | null }> {
  const { rows } = await db.raw<{ rows: Array<{ rep_id: string | null; no_rep: { reason: UnassignedReason; retry_at: string | null } | null }> }>(
    `SELECT (SELECT rep_id FROM assignments WHERE lead_id = :lead AND seq = :seq) AS rep_id,
            (SELECT data FROM events WHERE lead_id = :lead AND step_key = :noRep) AS no_rep`,
    { lead: leadId, seq: attempt, noRep: `attempt:${attempt}:no-rep` },
  );
  return { repId: rows[0]!.rep_id, noRep: rows[0]!.no_rep };
}

/** Ends the lead's open assignment, if any, and gives the rep the capacity back. Returns that rep. */
export async function endOpenAssignment(trx: Knex.Transaction, leadId: string, reason: string, at: Date): Promise<string | null> {
  const [ended] = await trx('assignments')
    .where({ lead_id: leadId })
    .whereNull('ended_at')
    .update({ ended_at: at, end_reason: reason })
    .returning(['rep_id']);
  if (!ended) return null;
  await trx('reps').where({ id: ended.rep_id }).update({ open_leads: trx.raw('GREATEST(open_leads - 1, 0)') });
  return ended.rep_id as string;
}

/** Opens an assignment and counts it against the rep's capacity and today's cap (in the rep's time zone). */
export async function startAssignment(trx: Knex.Transaction, a: Omit<AssignmentRow, 'id' | 'ended_at' | 'end_reason'>, repTimezone: string): Promise<void> {
  await trx('assignments').insert({ id: newId('assignment'), ...a });
  await trx('reps').where({ id: a.rep_id }).update({ open_leads: trx.raw('open_leads + 1'), last_assigned_at: a.assigned_at });
  await trx('rep_daily_counts')
    .insert({ rep_id: a.rep_id, day: localDateString(a.assigned_at.getTime(), repTimezone), assigned: 1 })
    .onConflict(['rep_id', 'day'])
    .merge({ assigned: trx.raw('rep_daily_counts.assigned + 1') });
}
