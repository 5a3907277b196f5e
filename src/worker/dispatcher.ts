import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { withJobLock } from '../db/jobLocks';
import { markDispatched, stalledDeliveries, undispatchedDeliveries } from '../db/webhooks';
import { takeWakeRequests } from '../db/wakeRequests';
import type { ServiceDeps } from '../services/deps';
import { temporalNotifier } from '../services/leadSignals';
import type { webhookDeliveryWorkflow } from '../workflows/webhook';
import { everyInterval, type BackgroundJob } from './job';

/**
 * Sends what activities and API requests wrote to an outbox in their own transactions, after they commit:
 * webhook deliveries to their delivery workflows, and wake-ups to the leads waiting for a rep who has room
 * again. Both are idempotent, so two workers doing the same row, or a crash halfway, is harmless.
 */
export type DispatcherDeps = Pick<ServiceDeps, 'db' | 'temporal' | 'logger'>;

/** Rows handed on per round; the next round takes the rest. */
const DISPATCH_BATCH = 200;
const WAKE_BATCH = 100;
/**
 * A delivery still PENDING this long after it was dispatched has lost its workflow: longer than the longest
 * retry schedule (ten attempts, 511 s of backoff, up to 30 s each).
 */
export const REDRIVE_AFTER_SECONDS = 20 * 60;

/** Starts the delivery's workflow; a running one is left alone, a finished one may run again (`again`). */
async function hand(o: DispatcherDeps, id: string, again: boolean): Promise<void> {
  await o.temporal.client.workflow
    .start<typeof webhookDeliveryWorkflow>('webhookDeliveryWorkflow', {
      taskQueue: o.temporal.taskQueue,
      workflowId: `webhook-${id}`,
      args: [{ deliveryId: id }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: again ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
      staticSummary: `Webhook delivery ${id}`,
    })
    .catch((err: unknown) => {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    });
  await markDispatched(o.db, id);
}

export async function dispatchOnce(o: DispatcherDeps): Promise<number> {
  const ids = await undispatchedDeliveries(o.db, DISPATCH_BATCH);
  for (const id of ids) await hand(o, id, false);
  return ids.length;
}

/** Deliveries whose workflow is gone (failed, terminated) get a new one. */
export async function redriveOnce(o: DispatcherDeps, afterSeconds = REDRIVE_AFTER_SECONDS): Promise<number> {
  const ids = await stalledDeliveries(o.db, afterSeconds, DISPATCH_BATCH);
  for (const id of ids) await hand(o, id, true);
  return ids.length;
}

/** Reps with room again: the leads waiting for them route now (each waiting lead also re-checks on a timer). */
export async function wakeOnce(o: DispatcherDeps): Promise<number> {
  const notifier = temporalNotifier(o.db, o.temporal.client);
  return takeWakeRequests(o.db, WAKE_BATCH, async (reps) => {
    for (const r of reps) await notifier.repFreed(r.org_id, r.rep_id);
  });
}

export function startDispatcher(o: DispatcherDeps & { intervalMs?: number }): BackgroundJob {
  return everyInterval(
    o.intervalMs ?? 1000,
    async () => {
      // One replica does a round; the others find the lock taken and skip it.
      await withJobLock(o.db, 'dispatcher', async () => {
        await dispatchOnce(o);
        await wakeOnce(o);
        await redriveOnce(o);
      });
    },
    (err) => o.logger.warn({ err }, 'dispatch failed; next round will retry'),
  );
}
