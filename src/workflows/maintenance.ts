import { proxyActivities } from '@temporalio/workflow';
import type { MaintenanceActivities } from '../activities/maintenance';
import { versioning } from './versioning';

const { purgeIdempotencyKeys } = proxyActivities<MaintenanceActivities>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 3 } });

/** Housekeeping started every hour by the `maintenance-hourly` Schedule. */
export async function maintenanceWorkflow(): Promise<{ purged: number }> {
  return purgeIdempotencyKeys();
}

// Short-lived: a run finishes on the build that started it.
versioning('PINNED', maintenanceWorkflow);
