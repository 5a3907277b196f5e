import { heartbeat } from '@temporalio/activity';
import { IDEMPOTENCY_TTL_HOURS, purgeOlderThan } from '../db/idempotency';
import type { Db } from '../db/knex';
import { orgsWithRetention, purgeBatch, RETAINED, type Retained } from '../db/retention';

/** The server's retention: defaults and the bounds an organization's own setting is held to. */
export interface RetentionSettings {
  defaults: Record<Retained, number>;
  minDays: number;
  maxDays: number;
}

/** Rows per purge statement: each a short transaction, so routing never waits long behind one. */
const PURGE_BATCH = 500;
/**
 * After each batch the purge rests this many times as long as the batch took: it takes at most a quarter of the
 * database's time. At full speed (bench:purge: 70,000 timeline rows a second on 2 cores) it tripled lead →
 * assigned p99 while it ran; an hour's worth at a million leads a day still takes under a minute.
 */
const PURGE_REST_FACTOR = 3;
/** One run's budget; what is left waits for the next hour's run. */
const PURGE_BUDGET_MS = 4 * 60_000;

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
            const n = await purgeBatch(db, org.id, kind, days, PURGE_BATCH);
            purged[kind] += n;
            heartbeat(purged);
            if (n < PURGE_BATCH || Date.now() > until) break;
            await new Promise((r) => setTimeout(r, (Date.now() - started) * PURGE_REST_FACTOR));
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
