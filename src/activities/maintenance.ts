import { heartbeat } from '@temporalio/activity';
import { IDEMPOTENCY_TTL_HOURS, purgeOlderThan } from '../db/idempotency';
import type { Db } from '../db/knex';
import { orgsWithRetention, purgeBatch, RETAINED, type Retained } from '../db/retention';

/** The server's retention: defaults, the bounds an organization's own setting is held to, and the purge's pace. */
export interface RetentionSettings {
  defaults: Record<Retained, number>;
  minDays: number;
  maxDays: number;
  /**
   * Rows per purge statement, each its own short transaction. Its length is what a routing attempt that
   * overlaps it waits: bench:purge measured lead → assigned p99 1.72× the baselines' with 500 leads a
   * statement, 1.15–1.34× with 50, 1.08–1.35× with 25 (the default), purging at half the rate of 500 or less.
   */
  batch: number;
  /**
   * After each statement the purge rests this many times as long as it took: 7 is at most an eighth of the
   * database's time. On a machine where routing, Temporal and Postgres share two cores, what the purge takes of
   * them routing loses: with 3, lead → assigned p50 rose 1.09-1.17× during purges; with 7, 1.02-1.08× and p99
   * 0.99-1.25×; with 15, no lower (bench:purge, docs/scaling.md).
   */
  restFactor: number;
}

/**
 * One run's budget; what is left waits for the next hour's run. Eight of the activity's ten minutes: at an eighth
 * of the database's time that purges about 900,000 timeline rows an hour (bench:purge), several times what a
 * million leads a day leave behind.
 */
const PURGE_BUDGET_MS = 8 * 60_000;

export const retentionDays = (s: RetentionSettings, own: number | undefined, kind: Retained): number => Math.min(s.maxDays, Math.max(s.minDays, own ?? s.defaults[kind]));

export function maintenanceActivities(db: Db, retention?: RetentionSettings) {
  return {
    /**
     * Deletes, organization by organization, what is older than it keeps: settled leads (with their timeline),
     * audit entries, finished webhook deliveries and notifications. In batches, within a time budget.
     */
    async purgeExpired(): Promise<Record<Retained, number>> {
      const purged: Record<Retained, number> = { leads: 0, audit: 0, deliveries: 0, notifications: 0 };
      if (!retention) return purged;
      const until = Date.now() + PURGE_BUDGET_MS;
      for (const org of await orgsWithRetention(db)) {
        for (const kind of RETAINED) {
          const days = retentionDays(retention, org.retention[`${kind}_days`], kind);
          for (;;) {
            const started = Date.now();
            const n = await purgeBatch(db, org.id, kind, days, retention.batch);
            purged[kind] += n;
            heartbeat(purged);
            if (n < retention.batch || Date.now() > until) break;
            await new Promise((r) => setTimeout(r, (Date.now() - started) * retention.restFactor));
          }
          if (Date.now() > until) return purged;
        }
      }
      return purged;
    },

    /** Forgets Idempotency-Keys past their lifetime, so the table holds about a day of them. */
    async purgeIdempotencyKeys(): Promise<{ purged: number }> {
      return { purged: await purgeOlderThan(db, IDEMPOTENCY_TTL_HOURS) };
    },
  };
}
export type MaintenanceActivities = ReturnType<typeof maintenanceActivities>;
