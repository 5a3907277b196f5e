import { allHandlersFinished, condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type { DiagnosticsActivities } from '../activities/diagnostics';

const { databaseStatus, noop } = proxyActivities<DiagnosticsActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

export interface DiagnosticsResult {
  workflowStartedAt: string;
  database: Awaited<ReturnType<DiagnosticsActivities['databaseStatus']>>;
}

/** Proves the whole chain works: client → server → worker → activity → Postgres. Used by `routeswit doctor`. */
export async function diagnosticsWorkflow(): Promise<DiagnosticsResult> {
  const workflowStartedAt = new Date().toISOString();
  const database = await databaseStatus();
  return { workflowStartedAt, database };
}

export const ceilingDone = defineUpdate<void>('done');

/**
 * The benchmark's ceiling: the least a workflow can do on this Temporal server and worker (one no-op
 * activity), started and awaited the way a lead is (update-with-start), so Routeswit's throughput can be
 * reported as a share of what the platform allows.
 */
export async function benchCeilingWorkflow(): Promise<void> {
  let done = false;
  setHandler(ceilingDone, async () => {
    await condition(() => done);
  });
  await noop();
  done = true;
  await condition(allHandlersFinished);
}
