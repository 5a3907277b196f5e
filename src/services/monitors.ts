import type { Db } from '../db/knex';
import type { ServiceDeps } from './deps';
import * as store from '../db/monitors';
import type { AlertRow, MonitorRow } from '../db/monitors';
import { notFound, fromZod } from '../errors';
import { newId } from '../ids';
import type { Page, PageQuery } from '../schemas/common';
import { PARAMS_FOR, type Alert, type AlertListQuery, type Digest, type Monitor, type MonitorCreate, type MonitorUpdate } from '../schemas/monitors';
import type { Temporal } from '../temporal/client';
import type { Config } from '../config';
import { checkQuota } from './quotas';
import { createMonitorSchedule, deleteSchedule, monitorScheduleId, updateMonitorSchedule } from '../temporal/schedules';
import { iso, toPage } from './paging';
import { requireActiveRep } from './reps';

type Deps = { db: Db; temporal: Temporal; config: Config };

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
  const m = await store.findMonitor(deps.db, orgId, id);
  if (!m) throw notFound('SLA monitor');
  return m;
}

/**
 * The monitor and its Temporal Schedule are made together; if the schedule cannot be made, neither is. The
 * row is written (and committed) first and removed again when the schedule fails: no transaction stays open
 * while Temporal is asked.
 */
export async function createMonitor(deps: Deps, orgId: string, input: MonitorCreate): Promise<Monitor> {
  const params = await checkParams(deps, orgId, input.kind, input.params);
  const id = newId('monitor');
  const row = await deps.db.transaction(async (trx) => {
    await checkQuota(trx, deps.config, orgId, 'MAX_SLA_MONITORS_PER_ORG');
    return store.insertMonitor(trx, { id, org_id: orgId, name: input.name, kind: input.kind, params, interval_minutes: input.interval_minutes, paused: input.paused, schedule_id: monitorScheduleId(id) });
  });
  try {
    await createMonitorSchedule(deps.temporal, row);
  } catch (err) {
    await store.deleteMonitor(deps.db, orgId, id);
    throw err;
  }
  return present(row);
}

export async function getMonitor(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string): Promise<Monitor> {
  return present(await mustFind(deps, orgId, id));
}

export async function listMonitors(deps: Pick<ServiceDeps, 'db'>, orgId: string, page: PageQuery): Promise<Page<Monitor>> {
  return toPage(await store.listMonitors(deps.db, orgId, page.cursor, page.limit + 1), page.limit, present);
}

export async function updateMonitor(deps: Deps, orgId: string, id: string, patch: MonitorUpdate): Promise<Monitor> {
  const current = await mustFind(deps, orgId, id);
  const params = patch.params ? await checkParams(deps, orgId, current.kind, patch.params) : current.params;
  const next = { name: patch.name ?? current.name, params, interval_minutes: patch.interval_minutes ?? current.interval_minutes, paused: patch.paused ?? current.paused };
  // The schedule first, then the row: if Temporal refuses, nothing changed; no transaction waits on Temporal.
  await updateMonitorSchedule(deps.temporal, { ...current, ...next });
  return present(await store.updateMonitor(deps.db, orgId, id, next));
}

/** Deleting removes the schedule too; the monitor's alerts stay, unlinked. */
export async function deleteMonitor(deps: Deps, orgId: string, id: string): Promise<Monitor> {
  const current = await mustFind(deps, orgId, id);
  await deleteSchedule(deps.temporal, current.schedule_id);
  await store.deleteMonitor(deps.db, orgId, id);
  return present(current);
}

export async function listAlerts(deps: Pick<ServiceDeps, 'db'>, orgId: string, q: AlertListQuery): Promise<Page<Alert>> {
  return toPage(await store.listAlerts(deps.db, orgId, q.open === true, q.cursor, q.limit + 1), q.limit, presentAlert);
}

export async function listDigests(deps: Pick<ServiceDeps, 'db'>, orgId: string, page: PageQuery): Promise<Page<Digest>> {
  return toPage(await store.listDigests(deps.db, orgId, page.cursor, page.limit + 1), page.limit, (d) => ({ id: d.id, day: d.day.toISOString().slice(0, 10), breaches: d.breaches, items: d.items, created_at: d.created_at.toISOString() }));
}
