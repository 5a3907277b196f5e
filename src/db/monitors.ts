import type { Knex } from 'knex';
import type { Db } from './knex';
import type { MonitorKind } from '../schemas/monitors';

type Conn = Db | Knex.Transaction;

export interface MonitorRow {
  id: string;
  org_id: string;
  name: string;
  kind: MonitorKind;
  params: Record<string, unknown>;
  interval_minutes: number;
  paused: boolean;
  state: 'OK' | 'BREACHING';
  last_value: number | null;
  last_evaluated_at: Date | null;
  schedule_id: string;
  created_at: Date;
  updated_at: Date;
}

export interface AlertRow {
  id: string;
  org_id: string;
  monitor_id: string | null;
  kind: string;
  message: string;
  value: number | null;
  threshold: number | null;
  raised_at: Date;
  resolved_at: Date | null;
}

export interface Measurement {
  value: number;
  threshold: number;
  breaching: boolean;
  message: string;
}

/** What a monitor watches, measured at `now`. */
export async function measure(db: Conn, m: MonitorRow, now: Date): Promise<Measurement> {
  const p = m.params as Record<string, never>;
  switch (m.kind) {
    case 'BREACH_RATE': {
      const since = new Date(now.getTime() - Number(p.window_minutes) * 60_000);
      const q = db('leads')
        .where('org_id', m.org_id)
        .where('has_sla', true)
        .andWhere((w) => w.where('breached_at', '>=', since).orWhere((x) => x.where('first_touch_at', '>=', since).whereNull('breached_at')));
      if (p.team) q.where('team', p.team);
      const row = await q.first(db.raw('count(breached_at)::int AS breached'), db.raw('count(*)::int AS decided'));
      const rate = row.decided ? row.breached / row.decided : 0;
      const threshold = Number(p.threshold);
      return {
        value: Math.round(rate * 10_000) / 10_000,
        threshold,
        breaching: row.decided >= Number(p.min_leads ?? 1) && rate > threshold,
        message: `SLA breach rate ${(rate * 100).toFixed(1)}% over the last ${p.window_minutes} minutes${p.team ? ` for team ${p.team}` : ''} (${row.breached} of ${row.decided}; threshold ${(threshold * 100).toFixed(1)}%)`,
      };
    }
    case 'UNASSIGNED_AGE': {
      const before = new Date(now.getTime() - Number(p.minutes) * 60_000);
      const q = db('leads').where({ org_id: m.org_id, status: 'UNASSIGNED' }).where('unassigned_since', '<', before);
      if (p.team) q.where('team', p.team);
      const row = await q.first(db.raw('count(*)::int AS n'));
      return {
        value: row.n,
        threshold: 0,
        breaching: row.n > 0,
        message: `${row.n} lead(s) UNASSIGNED for more than ${p.minutes} minutes${p.team ? ` in team ${p.team}` : ''}`,
      };
    }
    case 'REP_OPEN_UNTOUCHED': {
      const row = await db('leads').where({ org_id: m.org_id, assigned_rep_id: p.rep_id, status: 'ASSIGNED' }).whereNull('first_touch_at').first(db.raw('count(*)::int AS n'));
      return {
        value: row.n,
        threshold: Number(p.max),
        breaching: row.n > Number(p.max),
        message: `rep ${p.rep_id} has ${row.n} open lead(s) not yet touched (more than ${p.max})`,
      };
    }
  }
}
