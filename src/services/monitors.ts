import type { Db } from '../db/knex';
import type { ServiceDeps } from './deps';
import type { AlertRow, MonitorRow } from '../db/monitors';
import { notFound, fromZod } from '../errors';
import { newId } from '../ids';
import type { Page, PageQuery } from '../schemas/common';
import { PARAMS_FOR, type Alert, type AlertListQuery, type Digest, type Monitor, type MonitorCreate, type MonitorUpdate } from '../schemas/monitors';
import type { Temporal } from '../temporal/client';
import { createMonitorSchedule, deleteSchedule, monitorScheduleId, updateMonitorSchedule } from '../temporal/schedules';
import { iso, toPage } from './paging';
import { requireActiveRep } from './reps';

type Deps = { db: Db; temporal: Temporal };

function present(m: MonitorRow): Monitor {
  return {
    id: m.id,
    name: m.name,
    kind: m.kind,
    params: m.params,
    interval_minutes: m.interval_minutes,
    paused: m.paused,
    state: m.state,
    last_value: m.last_value,
    last_evaluated_at: iso(m.last_evaluated_at),
    schedule_id: m.schedule_id,
    created_at: m.created_at.toISOString(),
    updated_at: m.updated_at.toISOString(),
  };
}

export function presentAlert(a: AlertRow): Alert {
  return { id: a.id, monitor_id: a.monitor_id, kind: a.kind, message: a.message, value: a.value, threshold: a.threshold, raised_at: a.raised_at.toISOString(), resolved_at: iso(a.resolved_at) };
}

async function checkParams(deps: Pick<ServiceDeps, 'db'>, orgId: string, kind: MonitorRow['kind'], params: Record<string, unknown>): Promise<Record<string, unknown>> {
  const parsed = PARAMS_FOR[kind].safeParse(params);
  if (!parsed.success) throw fromZod(parsed.error, 'monitor parameters', ['params']);
  await requireActiveRep(deps, orgId, (parsed.data as { rep_id?: string }).rep_id, 'params.rep_id');
  return parsed.data;
}

async function mustFind(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string): Promise<MonitorRow> {
  const { db } = deps;
  const m = await db<MonitorRow>('sla_monitors').where({ org_id: orgId, id }).first();
  if (!m) throw notFound('SLA monitor');
  return m;
}

/** The monitor and its Temporal Schedule are made together; if the schedule cannot be made, neither is. */
export async function createMonitor(deps: Deps, orgId: string, input: MonitorCreate): Promise<Monitor> {
  const params = await checkParams(deps, orgId, input.kind, input.params);
  const id = newId('monitor');
  return deps.db.transaction(async (trx) => {
    const [row] = await trx('sla_monitors')
      .insert({ id, org_id: orgId, name: input.name, kind: input.kind, params: JSON.stringify(params), interval_minutes: input.interval_minutes, paused: input.paused, schedule_id: monitorScheduleId(id) })
      .returning('*');
    await createMonitorSchedule(deps.temporal, { id, interval_minutes: input.interval_minutes, paused: input.paused, name: input.name });
    return present(row as MonitorRow);
  });
}

export async function getMonitor(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string): Promise<Monitor> {
  return present(await mustFind(deps, orgId, id));
}

export async function listMonitors(deps: Pick<ServiceDeps, 'db'>, orgId: string, page: PageQuery): Promise<Page<Monitor>> {
  const { db } = deps;
  const q = db<MonitorRow>('sla_monitors').where({ org_id: orgId }).orderBy('id').limit(page.limit + 1);
  if (page.cursor) q.andWhere('id', '>', page.cursor);
  return toPage(await q, page.limit, present);
}

export async function updateMonitor(deps: Deps, orgId: string, id: string, patch: MonitorUpdate): Promise<Monitor> {
  const current = await mustFind(deps, orgId, id);
  const params = patch.params ? await checkParams(deps, orgId, current.kind, patch.params) : current.params;
  return deps.db.transaction(async (trx) => {
    const [row] = await trx('sla_monitors')
      .where({ org_id: orgId, id })
      .update({
        name: patch.name ?? current.name,
        params: JSON.stringify(params),
        interval_minutes: patch.interval_minutes ?? current.interval_minutes,
        paused: patch.paused ?? current.paused,
        updated_at: trx.fn.now(),
      })
      .returning('*');
    const m = row as MonitorRow;
    await updateMonitorSchedule(deps.temporal, m.schedule_id, m);
    return present(m);
  });
}

/** Deleting removes the schedule too; the monitor's alerts stay, unlinked. */
export async function deleteMonitor(deps: Deps, orgId: string, id: string): Promise<Monitor> {
  const current = await mustFind(deps, orgId, id);
  await deleteSchedule(deps.temporal, current.schedule_id);
  await deps.db('sla_monitors').where({ org_id: orgId, id }).delete();
  return present(current);
}

export async function listAlerts(deps: Pick<ServiceDeps, 'db'>, orgId: string, q: AlertListQuery): Promise<Page<Alert>> {
  const { db } = deps;
  const query = db<AlertRow>('alerts').where({ org_id: orgId }).orderBy('id', 'desc').limit(q.limit + 1);
  if (q.open) query.whereNull('resolved_at');
  if (q.cursor) query.andWhere('id', '<', q.cursor);
  return toPage(await query, q.limit, presentAlert);
}

export async function listDigests(deps: Pick<ServiceDeps, 'db'>, orgId: string, page: PageQuery): Promise<Page<Digest>> {
  const { db } = deps;
  const q = db('digests').where({ org_id: orgId }).orderBy('id', 'desc').limit(page.limit + 1);
  if (page.cursor) q.andWhere('id', '<', page.cursor);
  const rows: Array<{ id: string; day: Date; breaches: number; items: Digest['items']; created_at: Date }> = await q;
  return toPage(rows, page.limit, (d) => ({ id: d.id, day: d.day.toISOString().slice(0, 10), breaches: d.breaches, items: d.items, created_at: d.created_at.toISOString() }));
}
