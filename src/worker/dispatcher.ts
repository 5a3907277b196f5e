import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Config } from '../config';
import { withJobLock } from '../db/jobLocks';
import { stalledDeliveries } from '../db/webhooks';
import { claimUndispatched, markDispatched, onOutboxWritten, type OutboxTable } from '../db/outbox';
import { inBatches } from '../concurrency';
import { takeWakeRequests } from '../db/wakeRequests';
import type { ServiceDeps } from '../services/deps';
import { temporalNotifier } from '../services/leadSignals';
import type { NotificationRetry, notificationWorkflow } from '../workflows/notification';
import type { webhookDeliveryWorkflow } from '../workflows/webhook';
import { stalledNotifications } from '../db/notifications';
import { everyInterval, type BackgroundJob } from './job';
import { inSpan, withTraceparent } from '../telemetry/tracing';
import type { FirstAttempts } from './firstAttempts';

/**
 * Sends what activities and API requests wrote to an outbox in their own transactions, after they commit:
 * webhook deliveries and notifications (a first attempt here, their workflows for retries), and wake-ups to the
 * leads waiting for a rep who has room again. All are idempotent, so two workers doing the same row, or a crash
 * halfway, is harmless (a receiver may then get a delivery twice: webhooks are at least once).
 */
export type DispatcherDeps = Pick<ServiceDeps, 'db' | 'temporal' | 'logger'> & {
  /** How notifications are retried (NOTIFICATION_MAX_ATTEMPTS, NOTIFICATION_RETRY_INITIAL_SECONDS); the workflow's default otherwise. */
  notificationRetry?: NotificationRetry;
  /** The first attempt at each row, made here (see firstAttempts); without it every row goes to its workflow. */
  firstAttempts?: FirstAttempts;
};

/** Rows handed on per round; a full round is followed by another at once. */
const DISPATCH_BATCH = 200;
/** First attempts in flight at once per worker and outbox: receivers answer in milliseconds, or time out after ten seconds. */
const ATTEMPTS_IN_FLIGHT = 64;
/** Workflow starts in flight at once: one at a time, a round of 200 took 200 round trips to Temporal. */
const START_CONCURRENCY = 16;
/** How long a worker's claim on outbox rows lasts: far longer than starting 200 workflows takes. */
const CLAIM_SECONDS = 60;
/** Rounds asked for by new rows run at most this often: under load a round takes many rows, not one each. */
const NUDGE_GAP_MS = 50;
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

/** `attemptsMade`: the dispatcher's first attempt failed; the workflow retries from there. */
function startDelivery(o: DispatcherDeps, id: string, again: boolean, traceParent?: string | null, attemptsMade = 0): Promise<void> {
  const args: Parameters<typeof webhookDeliveryWorkflow> = [{ deliveryId: id, ...(attemptsMade ? { attemptsMade } : {}) }];
  // The delivery's workflow joins the trace of the event it announces (a lead's routing).
  return withTraceparent(traceParent, () => startFor(o, 'webhookDeliveryWorkflow', `webhook-${id}`, args, again, `Webhook delivery ${id}`));
}

function startNotification(o: DispatcherDeps, id: string, again: boolean, attemptsMade = 0): Promise<void> {
  const args: Parameters<typeof notificationWorkflow> = [{ notificationId: id, ...(o.notificationRetry ? { retry: o.notificationRetry } : {}), ...(attemptsMade ? { attemptsMade } : {}) }];
  return startFor(o, 'notificationWorkflow', `notification-${id}`, args, again, `Notification ${id}`);
}

type Row = { id: string; trace_parent?: string | null };
const START: Record<OutboxTable, (o: DispatcherDeps, row: Row, again: boolean, attemptsMade?: number) => Promise<void>> = {
  webhook_deliveries: (o, r, again, made) => startDelivery(o, r.id, again, r.trace_parent, made),
  notifications: (o, r, again, made) => startNotification(o, r.id, again, made),
};

/**
 * Starts the rows' workflows, several at once, and marks those started in one statement. A row whose start
 * failed stays undispatched (a claimed one until its claim runs out) and is tried again; the first error is
 * thrown once the others are marked.
 */
async function handOn(o: DispatcherDeps, table: OutboxTable, rows: readonly Row[], again: boolean, attemptsMade = 0): Promise<void> {
  const errors = await inBatches(rows, START_CONCURRENCY, (r) => START[table](o, r, again, attemptsMade).then(() => null, (err: unknown) => err));
  await markDispatched(o.db, table, rows.filter((_, i) => errors[i] === null).map((r) => r.id));
  const failed = errors.find((e) => e !== null);
  if (failed) throw failed;
}

export const notificationRetry = (config: Pick<Config, 'NOTIFICATION_RETRY_INITIAL_SECONDS' | 'NOTIFICATION_MAX_ATTEMPTS'>): NotificationRetry => ({
  initialSeconds: config.NOTIFICATION_RETRY_INITIAL_SECONDS,
  maximumAttempts: config.NOTIFICATION_MAX_ATTEMPTS,
});

/**
 * Takes the outbox's rows as they come: claims a batch of each (both on their own: a delivery that cannot start
 * does not hold up notifications) and makes each row's first attempt, ATTEMPTS_IN_FLIGHT at most per outbox (the two claim at once), without
 * waiting for them; a row whose attempt failed is handed to its workflow. Without first attempts, every row is
 * handed to its workflow at once. `round` resolves true when a batch was full (there is more to take);
 * `onRoom` is called when attempts finish after a round found no room.
 */
export function outboxDispatch(o: DispatcherDeps, onRoom: () => void = () => undefined) {
  const inFlight = new Set<Promise<void>>();
  let starved = false;
  const attempt = (table: OutboxTable, row: Row, first: (id: string) => Promise<boolean>) => {
    const p: Promise<void> = withTraceparent(row.trace_parent, () => inSpan(`FirstAttempt:${table}`, () => first(row.id)))
      .then((settled) => (settled ? undefined : handOn(o, table, [row], false, 1)))
      .catch((err: unknown) => o.logger.warn({ err, outbox: table }, 'handing an outbox row to its workflow failed; its claim runs out and it is tried again'))
      .finally(() => {
        inFlight.delete(p);
        if (starved) {
          starved = false;
          onRoom();
        }
      });
    inFlight.add(p);
  };
  async function take(table: OutboxTable): Promise<boolean> {
    const first = o.firstAttempts?.[table];
    const room = first ? Math.min(DISPATCH_BATCH, ATTEMPTS_IN_FLIGHT - inFlight.size) : DISPATCH_BATCH;
    if (room <= 0) {
      starved = true;
      return false;
    }
    const rows = await claimUndispatched(o.db, table, room, CLAIM_SECONDS);
    if (first) rows.forEach((row) => attempt(table, row, first));
    else await handOn(o, table, rows, false);
    return rows.length === room;
  }
  return {
    async round(): Promise<boolean> {
      const outcomes = await Promise.allSettled([take('webhook_deliveries'), take('notifications')]);
      const failed = outcomes.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      return outcomes.some((r) => r.status === 'fulfilled' && r.value);
    },
    /** Resolves when every attempt begun so far has finished. */
    async settled(): Promise<void> {
      while (inFlight.size) await Promise.all(inFlight);
    },
  };
}

/** One round, its attempts awaited (tests, tools). */
export async function dispatchOnce(o: DispatcherDeps): Promise<boolean> {
  const d = outboxDispatch(o);
  const full = await d.round();
  await d.settled();
  return full;
}

/** Deliveries and notifications whose workflow is gone (failed, terminated) get a new one. */
export async function redriveOnce(o: DispatcherDeps, afterSeconds = REDRIVE_AFTER_SECONDS): Promise<number> {
  const ids = await stalledDeliveries(o.db, afterSeconds, DISPATCH_BATCH);
  await handOn(o, 'webhook_deliveries', ids.map((id) => ({ id })), true);
  const notes = await stalledNotifications(o.db, afterSeconds, DISPATCH_BATCH);
  await handOn(o, 'notifications', notes.map((id) => ({ id })), true);
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
export async function dispatchRound(o: DispatcherDeps, steps: Array<(o: DispatcherDeps) => Promise<unknown>>): Promise<Error[]> {
  const failed: Error[] = [];
  for (const step of steps) {
    await step(o).catch((err: Error) => {
      failed.push(err);
      o.logger.warn({ err, step: step.name }, 'dispatch step failed; the next round retries it');
    });
  }
  return failed;
}

/**
 * Two jobs. The outbox's rows are handed on by every worker at once, each claiming its own share, as soon as
 * this process's routing has written some (and every `intervalMs` for rows written elsewhere): more workers
 * hand on more. Waking leads and re-driving lost workflows are rare and run once per round whatever the number
 * of workers.
 */
export function startDispatcher(o: DispatcherDeps & { intervalMs?: number }): BackgroundJob {
  const intervalMs = o.intervalMs ?? 1000;
  // Declared before the job that calls it: attempts that free room ask for the next round.
  let nudge = () => undefined as void;
  const dispatch = outboxDispatch(o, () => nudge());
  const outbox = everyInterval(
    intervalMs,
    () => dispatch.round(),
    (err) => o.logger.warn({ err }, 'handing on the outbox failed; the next round retries'),
    'dispatcher',
    NUDGE_GAP_MS,
  );
  nudge = outbox.nudge;
  const unsubscribe = onOutboxWritten(outbox.nudge);
  const rest = everyInterval(
    intervalMs,
    async () => {
      // One replica does a round; the others find the lock taken and skip it.
      await withJobLock(o.db, 'dispatcher', async () => {
        await dispatchRound(o, [wakeOnce, redriveOnce]);
      });
    },
    (err) => o.logger.warn({ err }, 'dispatch failed; next round will retry'),
    'dispatcher-wake',
  );
  return {
    async stop() {
      unsubscribe();
      await Promise.all([outbox.stop(), rest.stop()]);
      await dispatch.settled();
    },
  };
}
