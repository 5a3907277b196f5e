import type { Db } from '../db/knex';
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
  const rows: Array<{ id: string }> = await o.db('webhook_deliveries').where({ status: 'PENDING' }).whereNull('dispatched_at').orderBy('created_at').limit(200).select('id');
  for (const { id } of rows) {
    await o.temporal.client.workflow.start<typeof webhookDeliveryWorkflow>('webhookDeliveryWorkflow', {
      taskQueue: o.temporal.taskQueue,
      workflowId: `webhook-${id}`,
      args: [{ deliveryId: id }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    }).catch((err: Error) => {
      if (err.name !== 'WorkflowExecutionAlreadyStartedError') throw err;
    });
    await o.db('webhook_deliveries').where({ id }).update({ dispatched_at: o.db.fn.now() });
  }
  return rows.length;
}

export function startDispatcher(o: DispatcherOptions): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = dispatchOnce(o)
      .catch((err) => o.logger.warn({ err }, 'webhook dispatch failed; next round will retry'))
      .finally(() => {
        busy = false;
      });
  }, o.intervalMs ?? 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
