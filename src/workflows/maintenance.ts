import { proxyActivities } from '@temporalio/workflow';
import type { MaintenanceActivities } from '../activities/maintenance';

const { purgeIdempotencyKeys } = proxyActivities<MaintenanceActivities>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 3 } });

/** Housekeeping started every hour by the `maintenance-hourly` Schedule. */
export async function maintenanceWorkflow(): Promise<{ purged: number }> {
  return purgeIdempotencyKeys();
}
