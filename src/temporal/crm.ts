import { WorkflowFailedError } from '@temporalio/client';
import type { CrmName } from '../crm/connector';
import { crmOwnerSyncWorkflowId, crmPollWorkflowId } from '../lead/messages';
import { SA } from '../lead/searchAttributes';
import type { OwnerSyncReport } from '../schemas/integrations';
import type { crmOwnerSyncWorkflow, crmPollWorkflow } from '../workflows/crm';
import type { Temporal } from './client';
import { deleteSchedule, ensureSchedule } from './schedules';

export const crmOwnerSyncScheduleId = (crm: CrmName, orgId: string) => `crm-owners-${crm}-${orgId}`;

function syncAction(temporal: Temporal, orgId: string, crm: CrmName) {
  const args: Parameters<typeof crmOwnerSyncWorkflow> = [{ orgId, crm }];
  return {
    type: 'startWorkflow' as const,
    workflowType: 'crmOwnerSyncWorkflow',
    taskQueue: temporal.taskQueue,
    workflowId: crmOwnerSyncWorkflowId(crm, orgId),
    args,
    staticSummary: `Map ${crm} owners to reps for ${orgId}`,
    typedSearchAttributes: [{ key: SA.orgId, value: orgId }],
    workflowExecutionTimeout: '30 minutes',
  };
}

/** The owner sync runs daily while the organization is connected (04:00 UTC). */
export async function ensureOwnerSyncSchedule(temporal: Temporal, orgId: string, crm: CrmName): Promise<void> {
  await ensureSchedule(temporal, {
    scheduleId: crmOwnerSyncScheduleId(crm, orgId),
    spec: { calendars: [{ hour: 4, minute: 0 }] },
    action: syncAction(temporal, orgId, crm),
    policies: { overlap: 'SKIP', catchupWindow: '6 hours' },
    memo: { purpose: `daily ${crm} owner sync`, org_id: orgId },
  });
}

export const deleteOwnerSyncSchedule = (temporal: Temporal, orgId: string, crm: CrmName) => deleteSchedule(temporal, crmOwnerSyncScheduleId(crm, orgId));

export class OwnerSyncFailed extends Error {}

/**
 * Runs the owner sync now and waits for its report; a sync already running (the schedule's) is joined, not
 * duplicated.
 */
export async function runOwnerSync(temporal: Temporal, orgId: string, crm: CrmName): Promise<OwnerSyncReport> {
  const a = syncAction(temporal, orgId, crm);
  const handle = await temporal.client.workflow.start('crmOwnerSyncWorkflow', {
    taskQueue: a.taskQueue,
    workflowId: a.workflowId,
    args: a.args,
    staticSummary: a.staticSummary,
    typedSearchAttributes: a.typedSearchAttributes,
    workflowExecutionTimeout: '5 minutes',
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
  try {
    return (await handle.result()) as OwnerSyncReport;
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      const cause = err.cause as (Error & { cause?: Error }) | undefined;
      throw new OwnerSyncFailed((cause?.cause?.message ?? cause?.message ?? err.message).slice(0, 500));
    }
    throw err;
  }
}

export const crmPollScheduleId = (crm: CrmName, orgId: string) => `crm-poll-${crm}-${orgId}`;

/** Polling every `seconds` while the connection polls; a poll still running when the next is due is not doubled. */
export async function ensurePollSchedule(temporal: Temporal, orgId: string, crm: CrmName, seconds: number): Promise<void> {
  const args: Parameters<typeof crmPollWorkflow> = [{ orgId, crm }];
  await ensureSchedule(temporal, {
    scheduleId: crmPollScheduleId(crm, orgId),
    spec: { intervals: [{ every: `${seconds} seconds` }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'crmPollWorkflow',
      taskQueue: temporal.taskQueue,
      workflowId: crmPollWorkflowId(crm, orgId),
      args,
      staticSummary: `Poll ${crm} for new and changed leads of ${orgId}`,
      typedSearchAttributes: [{ key: SA.orgId, value: orgId }],
      workflowExecutionTimeout: '20 minutes',
    },
    policies: { overlap: 'SKIP', catchupWindow: '1 minute' },
    memo: { purpose: `${crm} lead polling`, org_id: orgId },
  });
}

export const deletePollSchedule = (temporal: Temporal, orgId: string, crm: CrmName) => deleteSchedule(temporal, crmPollScheduleId(crm, orgId));
