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

export function findMonitor(db: Conn, orgId: string, id: string): Promise<MonitorRow | undefined> {
  return db<MonitorRow>('sla_monitors').where({ org_id: orgId, id }).first();
}

/** Locked, for one evaluation: however often a monitor runs or is retried, each transition is recorded once. */
export function lockMonitor(trx: Knex.Transaction, id: string): Promise<MonitorRow | undefined> {
  return trx<MonitorRow>('sla_monitors').where({ id }).forUpdate().first();
}

export async function insertMonitor(db: Conn, m: Pick<MonitorRow, 'id' | 'org_id' | 'name' | 'kind' | 'params' | 'interval_minutes' | 'paused' | 'schedule_id'>): Promise<MonitorRow> {
  const [row] = await db('sla_monitors').insert({ ...m, params: JSON.stringify(m.params) }).returning('*');
  return row as MonitorRow;
}

export async function updateMonitor(db: Conn, orgId: string, id: string, patch: Pick<MonitorRow, 'name' | 'params' | 'interval_minutes' | 'paused'>): Promise<MonitorRow> {
  const [row] = await db('sla_monitors')
    .where({ org_id: orgId, id })
    .update({ ...patch, params: JSON.stringify(patch.params), updated_at: db.fn.now() })
    .returning('*');
  return row as MonitorRow;
}

export async function deleteMonitor(db: Conn, orgId: string, id: string): Promise<void> {
  await db('sla_monitors').where({ org_id: orgId, id }).delete();
}

export function listMonitors(db: Conn, orgId: string, after: string | undefined, limit: number): Promise<MonitorRow[]> {
  const q = db<MonitorRow>('sla_monitors').where({ org_id: orgId }).orderBy('id').limit(limit);
  if (after) q.andWhere('id', '>', after);
  return q;
}

export async function recordState(trx: Knex.Transaction, id: string, state: MonitorRow['state'], value: number | null, at: Date): Promise<void> {
  await trx('sla_monitors').where({ id }).update({ state, last_value: value, last_evaluated_at: at });
}

export async function insertAlert(trx: Knex.Transaction, a: Omit<AlertRow, 'resolved_at'>): Promise<void> {
  await trx('alerts').insert(a);
}

/** Resolves the monitor's open alert; returns its id, if there was one. */
/**
 * Raises an alert of this kind unless one of the same kind is open and younger than `quietMs`: a condition
 * many leads hit at once (a CRM's daily allocation spent) is said once, not per lead. Returns whether it did.
 */
export async function insertAlertOnce(trx: Knex.Transaction, a: Omit<AlertRow, 'resolved_at'>, quietMs: number): Promise<boolean> {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`routeswit:alert:${a.org_id}:${a.kind}`]);
  const open = await trx('alerts').where({ org_id: a.org_id, kind: a.kind }).whereNull('resolved_at').andWhere('raised_at', '>', new Date(a.raised_at.getTime() - quietMs)).first('id');
  if (open) return false;
  await insertAlert(trx, a);
  return true;
}

export async function resolveOpenAlert(trx: Knex.Transaction, monitorId: string, at: Date): Promise<string | null> {
  const [open] = await trx<AlertRow>('alerts').where({ monitor_id: monitorId }).whereNull('resolved_at').update({ resolved_at: at }).returning('id');
  return (open as { id: string } | undefined)?.id ?? null;
}

/** Newest first; the cursor is the last id seen. */
export function listAlerts(db: Conn, orgId: string, openOnly: boolean, before: string | undefined, limit: number): Promise<AlertRow[]> {
  const q = db<AlertRow>('alerts').where({ org_id: orgId }).orderBy('id', 'desc').limit(limit);
  if (openOnly) q.whereNull('resolved_at');
  if (before) q.andWhere('id', '<', before);
  return q;
}

export interface DigestRow {
  id: string;
  org_id: string;
  day: Date;
  breaches: number;
  items: Array<{ lead_id: string; rep_id: string | null; breached_at: string }>;
  created_at: Date;
}

/** Once per organization and day: a second run for the same day writes nothing. */
export async function insertDigest(db: Conn, d: Pick<DigestRow, 'id' | 'org_id' | 'breaches'> & { day: string; items: unknown[] }): Promise<void> {
  await db('digests').insert({ ...d, items: JSON.stringify(d.items) }).onConflict(['org_id', 'day']).ignore();
}

export function listDigests(db: Conn, orgId: string, before: string | undefined, limit: number): Promise<DigestRow[]> {
  const q = db<DigestRow>('digests').where({ org_id: orgId }).orderBy('id', 'desc').limit(limit);
  if (before) q.andWhere('id', '<', before);
  return q;
}
