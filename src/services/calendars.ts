import * as store from '../db/calendars';
import { findRep } from '../db/reps';
import { invalid, notFound } from '../errors';
import { newId } from '../ids';
import type { Calendar, CalendarCreate, CalendarListQuery, CalendarUpdate } from '../schemas/calendars';
import type { Page } from '../schemas/common';
import type { ServiceDeps } from './deps';
import { toPage } from './paging';
import { requireActiveRep } from './reps';
import { wakeAllWaiting } from './leadSignals';

type Deps = Pick<ServiceDeps, 'db'>;

function present(c: store.CalendarRow): Calendar {
  return {
    id: c.id,
    name: c.name,
    timezone: c.timezone,
    scope: c.scope,
    team: c.team,
    rep_id: c.rep_id,
    closures: c.closures,
    created_at: c.created_at.toISOString(),
    updated_at: c.updated_at.toISOString(),
  };
}

export async function listCalendars(deps: Deps, orgId: string, q: CalendarListQuery): Promise<Page<Calendar>> {
  let rep: { id: string; teams: string[] } | undefined;
  if (q.rep_id) {
    const row = await findRep(deps.db, orgId, q.rep_id);
    if (!row) throw invalid('rep_id does not name a rep of this organization', [{ path: 'rep_id', message: 'unknown rep' }]);
    rep = { id: row.id, teams: row.teams };
  }
  return toPage(await store.listCalendars(deps.db, orgId, { scope: q.scope, rep }, q.cursor, q.limit + 1), q.limit, present);
}

export async function getCalendar(deps: Deps, orgId: string, id: string): Promise<Calendar> {
  const row = await store.findCalendar(deps.db, orgId, id);
  if (!row) throw notFound('Calendar');
  return present(row);
}

/** Closed time may end now or later than before: leads waiting for a rep look again. */
async function wake(deps: ServiceDeps, orgId: string): Promise<void> {
  await wakeAllWaiting(deps.db, deps.temporal.client, orgId).catch((err) => deps.logger.warn({ err }, 'could not wake waiting leads'));
}

export async function createCalendar(deps: ServiceDeps, orgId: string, input: CalendarCreate): Promise<Calendar> {
  await requireActiveRep(deps, orgId, input.rep_id, 'rep_id');
  const row = await store.insertCalendar(deps.db, {
    id: newId('calendar'),
    org_id: orgId,
    name: input.name,
    timezone: input.timezone,
    scope: input.scope,
    team: input.team ?? null,
    rep_id: input.rep_id ?? null,
    closures: input.closures,
  });
  await wake(deps, orgId);
  return present(row);
}

export async function updateCalendar(deps: ServiceDeps, orgId: string, id: string, patch: CalendarUpdate): Promise<Calendar> {
  const row = await store.updateCalendar(deps.db, orgId, id, patch);
  if (!row) throw notFound('Calendar');
  await wake(deps, orgId);
  return present(row);
}

export async function deleteCalendar(deps: ServiceDeps, orgId: string, id: string): Promise<Calendar> {
  const row = await store.findCalendar(deps.db, orgId, id);
  if (!row || !(await store.deleteCalendar(deps.db, orgId, id))) throw notFound('Calendar');
  await wake(deps, orgId);
  return present(row);
}
