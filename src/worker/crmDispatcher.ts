import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { CRM_TITLES, type CrmName } from '../crm/connector';
import { markCrmBatchDispatched, stalledCrmBatches, undispatchedCrmBatches } from '../db/crmEvents';
import { markCrmWritesDispatched, stalledCrmWrites, undispatchedCrmWrites } from '../db/crmWrites';
import { withJobLock } from '../db/jobLocks';
import { crmInboundWorkflowId, crmWritePendingSignal, crmWriteWorkflowId } from '../lead/messages';
import type { ServiceDeps } from '../services/deps';
import { SA } from '../lead/searchAttributes';
import type { crmInboundWorkflow, crmWriteWorkflow } from '../workflows/crm';
import { everyInterval, type BackgroundJob } from './job';

/**
 * Hands what the CRM outbox holds to workflows, for this worker's task queue: each lead's owner writes to its
 * CRM workflow (started, or told by signal that another write waits), each webhook batch to a workflow of
 * its own. Idempotent, like the dispatcher: a row handed twice is harmless.
 */
export type CrmDispatcherDeps = Pick<ServiceDeps, 'db' | 'temporal' | 'logger'>;

const BATCH = 200;
/** Past the workflows' retry budget (two hours): a row still pending this long after it was handed on lost its run. */
export const CRM_REDRIVE_AFTER_SECONDS = 150 * 60;

async function handWrites(o: CrmDispatcherDeps, lead: { org_id: string; lead_id: string; crm: CrmName }): Promise<void> {
  const args: Parameters<typeof crmWriteWorkflow> = [{ orgId: lead.org_id, leadId: lead.lead_id, crm: lead.crm }];
  // Signal-with-start: a run that is finishing sees the signal before it may complete, so no write waits unseen.
  await o.temporal.client.workflow.signalWithStart('crmWriteWorkflow', {
    taskQueue: o.temporal.taskQueue,
    workflowId: crmWriteWorkflowId(lead.crm, lead.lead_id),
    args,
    signal: crmWritePendingSignal,
    staticSummary: `Write the owner of lead ${lead.lead_id} to ${CRM_TITLES[lead.crm]}`,
    // Found beside the lead's own workflow in the Web UI: RouteswitLeadId = "<lead id>" lists both.
    typedSearchAttributes: [
      { key: SA.orgId, value: lead.org_id },
      { key: SA.leadId, value: lead.lead_id },
    ],
  });
  await markCrmWritesDispatched(o.db, lead.lead_id, lead.crm);
}

async function handBatch(o: CrmDispatcherDeps, batchId: string, again: boolean): Promise<void> {
  const args: Parameters<typeof crmInboundWorkflow> = [{ batchId }];
  await o.temporal.client.workflow
    .start('crmInboundWorkflow', {
      taskQueue: o.temporal.taskQueue,
      workflowId: crmInboundWorkflowId(batchId),
      args,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: again ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
      staticSummary: `Take in CRM webhook batch ${batchId}`,
    })
    .catch((err: unknown) => {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    });
  await markCrmBatchDispatched(o.db, batchId);
}

export async function dispatchCrmOnce(o: CrmDispatcherDeps): Promise<number> {
  const queue = o.temporal.taskQueue;
  const writes = await undispatchedCrmWrites(o.db, queue, BATCH);
  for (const w of writes) await handWrites(o, w);
  const batches = await undispatchedCrmBatches(o.db, queue, BATCH);
  for (const b of batches) await handBatch(o, b, false);
  return writes.length + batches.length;
}

/** Rows whose workflow is gone (terminated, or lost with its history) get a new run. */
export async function redriveCrmOnce(o: CrmDispatcherDeps, afterSeconds = CRM_REDRIVE_AFTER_SECONDS): Promise<number> {
  const queue = o.temporal.taskQueue;
  const writes = await stalledCrmWrites(o.db, queue, afterSeconds, BATCH);
  for (const w of writes) await handWrites(o, w);
  const batches = await stalledCrmBatches(o.db, queue, afterSeconds, BATCH);
  for (const b of batches) await handBatch(o, b, true);
  return writes.length + batches.length;
}

export function startCrmDispatcher(o: CrmDispatcherDeps & { intervalMs?: number }): BackgroundJob {
  return everyInterval(
    o.intervalMs ?? 1000,
    async () => {
      await withJobLock(o.db, `crm-dispatcher:${o.temporal.taskQueue}`, async () => {
        await dispatchCrmOnce(o);
        await redriveCrmOnce(o);
      });
    },
    (err) => o.logger.warn({ err }, 'CRM dispatch failed; next round will retry'),
    'crm_dispatcher',
  );
}
