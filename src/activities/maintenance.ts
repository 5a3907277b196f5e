import { IDEMPOTENCY_TTL_HOURS, purgeOlderThan } from '../db/idempotency';
import type { Db } from '../db/knex';

export function maintenanceActivities(db: Db) {
  return {
    /** Forgets Idempotency-Keys past their lifetime, so the table holds about a day of them. */
    async purgeIdempotencyKeys(): Promise<{ purged: number }> {
      return { purged: await purgeOlderThan(db, IDEMPOTENCY_TTL_HOURS) };
    },
  };
}
export type MaintenanceActivities = ReturnType<typeof maintenanceActivities>;
