import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Db } from '../db/knex';
import { markDispatched, undispatchedDeliveries } from '../db/webhooks';
import { everyInterval, type BackgroundJob } from './job';

/** Deliveries handed to workflows per round; the next round takes the rest. */
const DISPATCH_BATCH = 200;
import type { Logger } from '../logger';
import type { Temporal } from '../temporal/client';
import type { webhookDeliveryWorkflow } from '../workflows/webhook';

export interface DispatcherOptions {
  db: Db;
  temporal: Temporal;
  logger: Logger;
  intervalMs?: number;
}

/**
 * Hands queued webhook deliveries to their delivery workflows. Starting is idempotent (one workflow id per
 * delivery), so two workers dispatching the same row, or a crash between start and mark, is harmless.
 */
export async function dispatchOnce(o: DispatcherOptions): Promise<number> {
  const ids = await undispatchedDeliveries(o.db, DISPATCH_BATCH);
  for (const id of ids) {
    await o.temporal.client.workflow.start<typeof webhookDeliveryWorkflow>('webhookDeliveryWorkflow', {
      taskQueue: o.temporal.taskQueue,
      workflowId: `webhook-${id}`,
      args: [{ deliveryId: id }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    }).catch((err: unknown) => {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    });
    await markDispatched(o.db, id);
  }
  return ids.length;
}

export function startDispatcher(o: DispatcherOptions): BackgroundJob {
  return everyInterval(o.intervalMs ?? 1000, async () => {
    await dispatchOnce(o);
  }, (err) => o.logger.warn({ err }, 'webhook dispatch failed; next round will retry'));
}
