import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Db } from '../db/knex';
import { leadsWaiting, leadsWaitingFor, untouchedLeadsOf } from '../db/leads';
import { availableRep } from '../db/reps';
import { repUnavailableSignal, wakeSignal } from '../lead/messages';

/**
 * Nudges lead workflows when something outside them changes: a rep becomes eligible (status, hours,
 * capacity), a new ruleset is published, or the assigned rep goes offline. Best effort by design for wake
 * signals: a waiting lead also re-checks on a durable timer, so a lost nudge delays a lead but never strands
 * it. A lost repUnavailable signal has no such timer: the rep's lead waits for its SLA (which reassigns it
 * when the rule escalates) or for the rep to come back; callers log the failure so it can be retried.
 */

/** Signals sent at once; more would only queue in the client. */
const SIGNAL_CONCURRENCY = 20;

async function signalAll(workflowIds: string[], send: (id: string) => Promise<void>): Promise<number> {
  let sent = 0;
  for (let i = 0; i < workflowIds.length; i += SIGNAL_CONCURRENCY) {
    const results = await Promise.allSettled(workflowIds.slice(i, i + SIGNAL_CONCURRENCY).map(send));
    for (const r of results) {
      if (r.status === 'fulfilled') sent++;
      else if (!(r.reason instanceof WorkflowNotFoundError)) throw r.reason;
    }
  }
  return sent;
}

const wake = (client: Client) => (id: string) => client.workflow.getHandle(id).signal(wakeSignal);

/** Leads waiting for a rep that `rep` could take: they re-run routing now. */
export async function wakeLeadsFor(db: Db, client: Client, orgId: string, rep: { id: string; teams: string[] }): Promise<number> {
  return signalAll(await leadsWaitingFor(db, orgId, rep), wake(client));
}

/** Every lead waiting for a rep or a matching rule: after a new ruleset is published. */
export async function wakeAllWaiting(db: Db, client: Client, orgId: string): Promise<number> {
  return signalAll(await leadsWaiting(db, orgId), wake(client));
}

/** The rep's untouched open leads move on to other reps. */
export async function rerouteLeadsOf(db: Db, client: Client, orgId: string, repId: string): Promise<number> {
  return signalAll(await untouchedLeadsOf(db, orgId, repId), (id) => client.workflow.getHandle(id).signal(repUnavailableSignal, { repId }));
}

/** What activities call when a rep gets capacity back: wake the leads waiting for that rep. */
export function temporalNotifier(db: Db, client: Client): { repFreed(orgId: string, repId: string): Promise<void> } {
  return {
    async repFreed(orgId, repId) {
      const rep = await availableRep(db, orgId, repId);
      if (rep) await wakeLeadsFor(db, client, orgId, rep);
    },
  };
}
