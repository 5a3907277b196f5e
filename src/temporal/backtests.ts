import type { Temporal } from './client';

const START_DEADLINE_MS = 5_000;
export const backtestWorkflowId = (id: string) => `backtest-${id}`;

export async function startBacktest(temporal: Temporal, id: string, summary: string): Promise<void> {
  await temporal.connection.withDeadline(Date.now() + START_DEADLINE_MS, () =>
    temporal.client.workflow.start('backtestWorkflow', {
      taskQueue: temporal.taskQueue,
      workflowId: backtestWorkflowId(id),
      args: [{ backtestId: id }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: summary,
    }),
  );
}

export async function cancelBacktest(temporal: Temporal, id: string): Promise<void> {
  await temporal.connection.withDeadline(Date.now() + START_DEADLINE_MS, () => temporal.client.workflow.getHandle(backtestWorkflowId(id)).cancel());
}
