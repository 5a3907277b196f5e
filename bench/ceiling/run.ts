import { WithStartWorkflowOperation } from '@temporalio/client';
import type { Temporal } from '../../src/temporal/client';
import { ceilingDone, type benchCeilingWorkflow } from './workflows';
import { CEILING_TASK_QUEUE } from './worker';

/** One ceiling run, started and awaited the way the API starts a lead (update-with-start). */
export async function runCeilingWorkflow(temporal: Temporal, workflowId: string, opts: { local?: boolean } = {}): Promise<void> {
  const startWorkflowOperation = new WithStartWorkflowOperation<typeof benchCeilingWorkflow>('benchCeilingWorkflow', {
    taskQueue: CEILING_TASK_QUEUE,
    workflowId,
    args: [opts],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  await temporal.client.workflow.executeUpdateWithStart(ceilingDone, { startWorkflowOperation });
}
