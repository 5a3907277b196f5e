import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Db } from '../db/knex';
import { repUnavailableSignal, wakeSignal } from '../lead/messages';

/**
 * Nudges lead workflows when something outside them changes: a rep becomes eligible (status, hours,
 * capacity), a new ruleset is published, or the assigned rep goes offline. Best effort by design: a waiting
 * lead also re-checks on a durable timer, so a lost nudge delays a lead but never strands it.
 */

async function signalAll(workflowIds: string[], send: (id: string) => Promise<void>): Promise<number> {
  let sent = 0;
  for (let i = 0; i < workflowIds.length; i += 20) {
    const results = await Promise.allSettled(workflowIds.slice(i, i + 20).map(send));
    for (const r of results) {
      if (r.status === 'fulfilled') sent++;
      else if (!(r.reason instanceof WorkflowNotFoundError)) throw r.reason;
    }
  }
  return sent;
}

/** Leads waiting for a rep that `rep` could take: they re-run routing now. */
export async function wakeLeadsFor(db: Db, client: Client, orgId: string, rep: { id: string; teams: string[] }): Promise<number> {
  const rows: Array<{ workflow_id: string }> = await db('leads')
    .where({ org_id: orgId, status: 'UNASSIGNED' })
    .andWhere((w) =>
      w
        .where({ unassigned_reason: 'NO_ELIGIBLE_REP' })
        .andWhere((x) => x.whereRaw('waiting_teams && ?::text[]', [rep.teams]).orWhereRaw('? = ANY(waiting_rep_ids)', [rep.id])),
    )
    .select('workflow_id');
  return signalAll(rows.map((r) => r.workflow_id), (id) => client.workflow.getHandle(id).signal(wakeSignal));
}

/** Every lead waiting for a rep or a matching rule: after a new ruleset is published. */
export async function wakeAllWaiting(db: Db, client: Client, orgId: string): Promise<number> {
  const rows: Array<{ workflow_id: string }> = await db('leads')
    .where({ org_id: orgId, status: 'UNASSIGNED' })
    .whereIn('unassigned_reason', ['NO_ELIGIBLE_REP', 'NO_RULE_MATCHED'])
    .select('workflow_id');
  return signalAll(rows.map((r) => r.workflow_id), (id) => client.workflow.getHandle(id).signal(wakeSignal));
}

/** The rep's untouched open leads move on to other reps. */
export async function rerouteLeadsOf(db: Db, client: Client, orgId: string, repId: string): Promise<number> {
  const rows: Array<{ workflow_id: string }> = await db('leads')
    .where({ org_id: orgId, status: 'ASSIGNED', assigned_rep_id: repId })
    .whereNull('first_touch_at')
    .select('workflow_id');
  return signalAll(rows.map((r) => r.workflow_id), (id) => client.workflow.getHandle(id).signal(repUnavailableSignal, { repId }));
}

/** What activities call when a rep gets capacity back: wake the leads waiting for that rep. */
export function temporalNotifier(db: Db, client: Client): { repFreed(orgId: string, repId: string): Promise<void> } {
  return {
    async repFreed(orgId, repId) {
      const rep = await db('reps').where({ org_id: orgId, id: repId, active: true, status: 'AVAILABLE' }).first('id', 'teams');
      if (rep) await wakeLeadsFor(db, client, orgId, rep);
    },
  };
}
