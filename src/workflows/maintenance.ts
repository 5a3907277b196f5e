import { proxyActivities } from '@temporalio/workflow';
import type { MaintenanceActivities } from '../activities/maintenance';
import { versioning } from './versioning';

const { purgeIdempotencyKeys } = proxyActivities<MaintenanceActivities>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 3 } });

/** Housekeeping started every hour by the `maintenance-hourly` Schedule. */
export async function maintenanceWorkflow(): Promise<{ purged: number }> {
  return purgeIdempotencyKeys();
}

const { purgeExpired } = proxyActivities<MaintenanceActivities>({ startToCloseTimeout: '10 minutes', heartbeatTimeout: '2 minutes', retry: { maximumAttempts: 3 } });

/** Retention, started every hour by the `retention-hourly` Schedule: what organizations keep no longer, purged. */
export async function retentionWorkflow(): Promise<Awaited<ReturnType<MaintenanceActivities['purgeExpired']>>> {
  return purgeExpired();
}

// Short-lived: a run finishes on the build that started it.
versioning('PINNED', maintenanceWorkflow);
versioning('PINNED', retentionWorkflow);
