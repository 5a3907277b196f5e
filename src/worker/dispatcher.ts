import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Config } from '../config';
import { withJobLock } from '../db/jobLocks';
import { markDispatched, stalledDeliveries, undispatchedDeliveries } from '../db/webhooks';
import { takeWakeRequests } from '../db/wakeRequests';
import type { ServiceDeps } from '../services/deps';
import { temporalNotifier } from '../services/leadSignals';
import type { NotificationRetry, notificationWorkflow } from '../workflows/notification';
import type { webhookDeliveryWorkflow } from '../workflows/webhook';
import { markNotificationDispatched, stalledNotifications, undispatchedNotifications } from '../db/notifications';
import { everyInterval, type BackgroundJob } from './job';
import { withTraceparent } from '../telemetry/tracing';

/**
 * Sends what activities and API requests wrote to an outbox in their own transactions, after they commit:
 * webhook deliveries and notifications to their workflows, and wake-ups to the leads waiting for a rep who has room
 * again. Both are idempotent, so two workers doing the same row, or a crash halfway, is harmless.
 */
export type DispatcherDeps = Pick<ServiceDeps, 'db' | 'temporal' | 'logger'> & {
  /** How notifications are retried (NOTIFICATION_MAX_ATTEMPTS, NOTIFICATION_RETRY_INITIAL_SECONDS); the workflow's default otherwise. */
  notificationRetry?: NotificationRetry;
};

/** Rows handed on per round; the next round takes the rest. */
const DISPATCH_BATCH = 200;
const WAKE_BATCH = 100;
/**
 * A delivery or notification still PENDING this long after it was dispatched has lost its workflow: longer
 * than the longest retry schedule (ten attempts, 511 s of backoff, up to 30 s each; eight notification
 * attempts, about ten minutes).
 */
export const REDRIVE_AFTER_SECONDS = 20 * 60;

/** Starts a workflow for an outbox row; a running one is left alone, a finished one may run again (`again`). */
async function startFor(o: DispatcherDeps, workflowType: string, workflowId: string, args: unknown[], again: boolean, staticSummary: string): Promise<void> {
  await o.temporal.client.workflow
    .start(workflowType, {
      taskQueue: o.temporal.taskQueue,
      workflowId,
      args,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: again ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
      staticSummary,
    })
    .catch((err: unknown) => {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    });
}

async function handDelivery(o: DispatcherDeps, id: string, again: boolean, traceParent?: string | null): Promise<void> {
  const args: Parameters<typeof webhookDeliveryWorkflow> = [{ deliveryId: id }];
  // The delivery's workflow joins the trace of the event it announces (a lead's routing).
  await withTraceparent(traceParent, () => startFor(o, 'webhookDeliveryWorkflow', `webhook-${id}`, args, again, `Webhook delivery ${id}`));
  await markDispatched(o.db, id);
}

async function handNotification(o: DispatcherDeps, id: string, again: boolean): Promise<void> {
  const args: Parameters<typeof notificationWorkflow> = [{ notificationId: id, ...(o.notificationRetry ? { retry: o.notificationRetry } : {}) }];
  await startFor(o, 'notificationWorkflow', `notification-${id}`, args, again, `Notification ${id}`);
  await markNotificationDispatched(o.db, id);
}

export const notificationRetry = (config: Pick<Config, 'NOTIFICATION_RETRY_INITIAL_SECONDS' | 'NOTIFICATION_MAX_ATTEMPTS'>): NotificationRetry => ({
  initialSeconds: config.NOTIFICATION_RETRY_INITIAL_SECONDS,
  maximumAttempts: config.NOTIFICATION_MAX_ATTEMPTS,
});

export async function dispatchOnce(o: DispatcherDeps): Promise<number> {
  const ids = await undispatchedDeliveries(o.db, DISPATCH_BATCH);
  for (const d of ids) await handDelivery(o, d.id, false, d.trace_parent);
  const notes = await undispatchedNotifications(o.db, DISPATCH_BATCH);
  for (const id of notes) await handNotification(o, id, false);
  return ids.length + notes.length;
}

/** Deliveries and notifications whose workflow is gone (failed, terminated) get a new one. */
export async function redriveOnce(o: DispatcherDeps, afterSeconds = REDRIVE_AFTER_SECONDS): Promise<number> {
  const ids = await stalledDeliveries(o.db, afterSeconds, DISPATCH_BATCH);
  for (const id of ids) await handDelivery(o, id, true);
  const notes = await stalledNotifications(o.db, afterSeconds, DISPATCH_BATCH);
  for (const id of notes) await handNotification(o, id, true);
  return ids.length + notes.length;
}

export async function wakeOnce(o: DispatcherDeps): Promise<number> {
  const notifier = temporalNotifier(o.db, o.temporal.client);
  return takeWakeRequests(o.db, WAKE_BATCH, async (reps) => {
    for (const r of reps) await notifier.repFreed(r.org_id, r.rep_id);
  });
}

/**
 * One round: each step on its own, so a step that fails (an outbox row whose workflow cannot be started, say)
 * delays only its own work. They used to run in sequence, and a failing delivery meant no waiting lead was
 * woken for as long as it kept failing: in CI a lead waiting for a rep's capacity sat past its 30 s wait.
 */
export async function dispatchRound(o: DispatcherDeps, steps: Array<(o: DispatcherDeps) => Promise<unknown>> = [dispatchOnce, wakeOnce, redriveOnce]): Promise<Error[]> {
  const failed: Error[] = [];
  for (const step of steps) {
    await step(o).catch((err: Error) => {
      failed.push(err);
      o.logger.warn({ err, step: step.name }, 'dispatch step failed; the next round retries it');
    });
  }
  return failed;
}

export function startDispatcher(o: DispatcherDeps & { intervalMs?: number }): BackgroundJob {
  return everyInterval(
    o.intervalMs ?? 1000,
    async () => {
      // One replica does a round; the others find the lock taken and skip it.
      await withJobLock(o.db, 'dispatcher', async () => {
        await dispatchRound(o);
      });
    },
    (err) => o.logger.warn({ err }, 'dispatch failed; next round will retry'),
    'dispatcher',
  );
}
