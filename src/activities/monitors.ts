import type { Db } from '../db/knex';
import { measure, type AlertRow, type MonitorRow } from '../db/monitors';
import { refreshRollups } from '../db/rollups';
import { enqueueDeliveries } from '../db/webhooks';
import { newId } from '../ids';

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
        const m = await trx<MonitorRow>('sla_monitors').where({ id: monitorId }).forUpdate().first();
        if (!m) return { state: 'GONE', value: null, raised: null, resolved: null };
        const at = new Date(Math.max(now, Date.now()));
        const r = await measure(trx, m, at);
        let raised: string | null = null;
        let resolved: string | null = null;
        if (r.breaching && m.state === 'OK') {
          raised = newId('alert');
          await trx('alerts').insert({ id: raised, org_id: m.org_id, monitor_id: m.id, kind: m.kind, message: `${m.name}: ${r.message}`, value: r.value, threshold: r.threshold, raised_at: at });
          await enqueueDeliveries(trx, m.org_id, 'alert.raised', raised, { alert_id: raised, monitor_id: m.id, monitor: m.name, kind: m.kind, message: r.message, value: r.value, threshold: r.threshold }, at);
        } else if (!r.breaching && m.state === 'BREACHING') {
          const [open] = await trx<AlertRow>('alerts').where({ monitor_id: m.id }).whereNull('resolved_at').update({ resolved_at: at }).returning('id');
          resolved = open?.id ?? null;
        }
        const state = r.breaching ? 'BREACHING' : 'OK';
        await trx('sla_monitors').where({ id: m.id }).update({ state, last_value: r.value, last_evaluated_at: at });
        return { state, value: r.value, raised, resolved };
      });
    },

    /** Recomputes the intelligence rollups: the last `sinceHours`, or all of history. */
    async refreshIntelligence({ sinceHours }: { sinceHours: number | null }): Promise<void> {
      await refreshRollups(db, sinceHours === null ? {} : { since: new Date(Date.now() - sinceHours * 3_600_000) });
    },

    /** Yesterday's breaches (UTC day) for the organization's daily digest; once per day. */
    async writeDailyDigest({ orgId, now }: { orgId: string; now: number }): Promise<{ day: string; breaches: number }> {
      const today = new Date(Math.floor(Math.max(now, Date.now()) / 86_400_000) * 86_400_000);
      const day = new Date(today.getTime() - 86_400_000);
      const rows: Array<{ lead_id: string; rep_id: string | null; breached_at: Date }> = await db('events')
        .where({ org_id: orgId, type: 'SLA_BREACHED' })
        .where('occurred_at', '>=', day)
        .where('occurred_at', '<', today)
        .orderBy('occurred_at')
        .select('lead_id', 'rep_id', 'occurred_at as breached_at');
      const dayText = day.toISOString().slice(0, 10);
      await db('digests')
        .insert({ id: newId('digest'), org_id: orgId, day: dayText, breaches: rows.length, items: JSON.stringify(rows.slice(0, 1000)) })
        .onConflict(['org_id', 'day'])
        .ignore();
      return { day: dayText, breaches: rows.length };
    },
  };
}
export type MonitorActivities = ReturnType<typeof monitorActivities>;
