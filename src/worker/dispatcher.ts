import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { markDispatched, undispatchedDeliveries } from '../db/webhooks';
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

export async function dispatchOnce(o: DispatcherDeps): Promise<number> {
  const ids = await undispatchedDeliveries(o.db, DISPATCH_BATCH);
  for (const id of ids) {
    await o.temporal.client.workflow
      .start<typeof webhookDeliveryWorkflow>('webhookDeliveryWorkflow', {
        taskQueue: o.temporal.taskQueue,
        workflowId: `webhook-${id}`,
        args: [{ deliveryId: id }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      })
      .catch((err: unknown) => {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      });
    await markDispatched(o.db, id);
  }
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
      await dispatchOnce(o);
      await wakeOnce(o);
    },
    (err) => o.logger.warn({ err }, 'dispatch failed; next round will retry'),
  );
}
