import { Context } from '@temporalio/activity';
import type { Db } from '../db/knex';
import { insertAlert, insertDigest, lockMonitor, measure, recordState, resolveOpenAlert } from '../db/monitors';
import { refreshRollups } from '../db/rollups';
import { enqueueDeliveries } from '../db/webhooks';
import { breachesBetween } from '../db/timeline';
import { newId } from '../ids';
import { notBefore } from './clock';

const DAY_MS = 86_400_000;
/** Well inside the workflow's heartbeat timeout, so a live refresh is never taken for a dead one. */
const HEARTBEAT_EVERY_MS = 10_000;
/** A digest lists at most this many breaches (and counts them all). */
const DIGEST_MAX_ITEMS = 1000;

export interface Evaluation {
  state: 'OK' | 'BREACHING' | 'GONE';
  value: number | null;
  raised: string | null;
  resolved: string | null;
}

export function monitorActivities(db: Db) {
  return {
    /**
     * Measures the monitor and records a transition: into breach raises one alert (and announces it to
     * webhooks), back to normal resolves it. The monitor row is locked and its state compared, so however
     * often it runs, or is retried, each transition is recorded exactly once.
     */
    async evaluateMonitor({ monitorId, now }: { monitorId: string; now: number }): Promise<Evaluation> {
      return db.transaction(async (trx) => {
        const m = await lockMonitor(trx, monitorId);
        if (!m) return { state: 'GONE', value: null, raised: null, resolved: null };
        const at = notBefore(now);
        const r = await measure(trx, m, at);
        let raised: string | null = null;
        let resolved: string | null = null;
        if (r.breaching && m.state === 'OK') {
          raised = newId('alert');
          await insertAlert(trx, { id: raised, org_id: m.org_id, monitor_id: m.id, kind: m.kind, message: `${m.name}: ${r.message}`, value: r.value, threshold: r.threshold, raised_at: at });
          await enqueueDeliveries(trx, m.org_id, 'alert.raised', raised, { alert_id: raised, monitor_id: m.id, monitor: m.name, kind: m.kind, message: r.message, value: r.value, threshold: r.threshold }, at);
        } else if (!r.breaching && m.state === 'BREACHING') {
          resolved = await resolveOpenAlert(trx, m.id, at);
        }
        const state = r.breaching ? 'BREACHING' : 'OK';
        await recordState(trx, m.id, state, r.value, at);
        return { state, value: r.value, raised, resolved };
      });
    },

    /**
     * Recomputes the intelligence rollups: the last `sinceHours`, or all of history. It heartbeats on a clock
     * (one rollup's statement can run for minutes on a large history), naming the rollups done, so a worker
     * that dies mid-refresh is noticed within the heartbeat timeout instead of the whole run's.
     */
    async refreshIntelligence({ sinceHours }: { sinceHours: number | null }): Promise<{ rollups: string[] }> {
      const done: string[] = [];
      const ctx = Context.current();
      ctx.heartbeat({ done });
      const beat = setInterval(() => ctx.heartbeat({ done }), HEARTBEAT_EVERY_MS);
      try {
        await refreshRollups(db, { ...(sinceHours === null ? {} : { since: new Date(Date.now() - sinceHours * 3_600_000) }), onProgress: (name) => done.push(name) });
      } finally {
        clearInterval(beat);
      }
      return { rollups: done };
    },

    /** Yesterday's breaches (UTC day) for the organization's daily digest; once per day. */
    async writeDailyDigest({ orgId, now }: { orgId: string; now: number }): Promise<{ day: string; breaches: number }> {
      const today = new Date(Math.floor(notBefore(now).getTime() / DAY_MS) * DAY_MS);
      const day = new Date(today.getTime() - DAY_MS);
      const rows = await breachesBetween(db, orgId, day, today);
      const dayText = day.toISOString().slice(0, 10);
      await insertDigest(db, { id: newId('digest'), org_id: orgId, day: dayText, breaches: rows.length, items: rows.slice(0, DIGEST_MAX_ITEMS) });
      return { day: dayText, breaches: rows.length };
    },
  };
}
export type MonitorActivities = ReturnType<typeof monitorActivities>;
