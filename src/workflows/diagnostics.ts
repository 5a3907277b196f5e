import { proxyActivities } from '@temporalio/workflow';
import type { DiagnosticsActivities } from '../activities/diagnostics';
import { versioning } from './versioning';

const { databaseStatus } = proxyActivities<DiagnosticsActivities>({
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

// Short-lived: a run finishes on the build that started it.
versioning('PINNED', diagnosticsWorkflow);
