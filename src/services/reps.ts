import type { Db } from '../db/knex';
import type { ServiceDeps } from './deps';
import { pgCode, pgConstraint, PG } from '../db/knex';
import * as reps from '../db/reps';
import { newId } from '../ids';
import { conflict, invalid, notFound } from '../errors';
import type { Page } from '../schemas/common';
import type { Logger } from '../logger';
import type { Rep, RepCreate, RepListQuery, RepUpdate } from '../schemas/reps';
import type { Temporal } from '../temporal/client';
import { rerouteLeadsOf, wakeLeadsFor } from './leadSignals';
import { toPage } from './paging';

export function presentRep(row: reps.RepRow): Rep {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    status: row.status,
    teams: row.teams,
    weight: row.weight,
    max_open_leads: row.max_open_leads,
    daily_cap: row.daily_cap,
    timezone: row.timezone,
    working_hours: row.working_hours,
    out_of_office: row.out_of_office,
    manager_id: row.manager_id,
    notifications: { email: row.notify_email, slack: row.notify_slack, slack_user_id: row.slack_user_id },
    crm: { hubspot_owner_id: row.crm?.hubspot_owner_id ?? null, salesforce_user_id: row.crm?.salesforce_user_id ?? null },
    open_leads: row.open_leads,
    active: row.active,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function emailTaken(err: unknown, email: string | undefined): never {
  if (pgCode(err) === PG.UNIQUE_VIOLATION && pgConstraint(err) === 'reps_org_email_active') {
    throw conflict(`A rep with email ${email} already exists in this organization`, [
      { path: 'email', message: 'already used by another rep' },
    ]);
  }
  throw err;
}

/**
 * Anything that names a rep (an owner, a manager, an activity's rep, a monitor's target, a reassignment)
 * must name an active rep of the organization: 422 at `path` otherwise, saying whether it is unknown or deleted.
 */
export async function requireActiveRep(deps: Pick<ServiceDeps, 'db'>, orgId: string, repId: string | null | undefined, path: string): Promise<void> {
  const { db } = deps;
  if (!repId) return;
  const rep = await reps.findRep(db, orgId, repId);
  if (!rep) throw invalid(`${path} does not name a rep of this organization`, [{ path, message: 'unknown rep' }]);
  if (!rep.active) throw invalid(`${path} names a rep who has been deleted`, [{ path, message: 'this rep has been deleted' }]);
}

async function checkManager(deps: Pick<ServiceDeps, 'db'>, orgId: string, managerId: string | null | undefined, selfId?: string): Promise<void> {
  if (managerId && managerId === selfId) throw invalid('A rep cannot be their own manager', [{ path: 'manager_id', message: 'must be another rep' }]);
  await requireActiveRep(deps, orgId, managerId, 'manager_id');
}

/** The CRM ids merged into what the rep has: null removes one, absent leaves it. */
function crmColumn(current: reps.RepCrmIds, given: RepCreate['crm']): Pick<reps.RepRow, 'crm'> | object {
  if (!given) return {};
  const next: Record<string, string> = { ...current } as Record<string, string>;
  for (const [k, v] of Object.entries(given)) {
    if (v === null) delete next[k];
    else if (v !== undefined) next[k] = v;
  }
  return { crm: next };
}

function crmIdTaken(err: unknown): void {
  if (pgCode(err) !== PG.UNIQUE_VIOLATION) return;
  if (pgConstraint(err) === 'reps_hubspot_owner') {
    throw conflict('Another rep of this organization is this HubSpot owner already', [{ path: 'crm.hubspot_owner_id', message: 'already the owner id of another rep' }]);
  }
  if (pgConstraint(err) === 'reps_salesforce_user') {
    throw conflict('Another rep of this organization is this Salesforce user already', [{ path: 'crm.salesforce_user_id', message: 'already the user id of another rep' }]);
  }
}

/** The preferences as columns; what is not given is left as it is. */
function prefColumns(p: RepCreate['notifications']): Partial<Pick<reps.RepRow, 'notify_email' | 'notify_slack' | 'slack_user_id'>> {
  if (!p) return {};
  return Object.fromEntries(
    Object.entries({ notify_email: p.email, notify_slack: p.slack, slack_user_id: p.slack_user_id }).filter(([, v]) => v !== undefined),
  );
}

export async function createRep(deps: Pick<ServiceDeps, 'db'>, orgId: string, input: RepCreate): Promise<Rep> {
  const { db } = deps;
  await checkManager(deps, orgId, input.manager_id);
  try {
    const row = await reps.insertRep(db, {
      id: newId('rep'),
      org_id: orgId,
      name: input.name,
      email: input.email,
      status: input.status ?? 'AVAILABLE',
      teams: input.teams ?? [],
      weight: input.weight ?? 1,
      max_open_leads: input.max_open_leads ?? null,
      daily_cap: input.daily_cap ?? null,
      timezone: input.timezone ?? 'UTC',
      working_hours: input.working_hours ?? null,
      out_of_office: input.out_of_office ?? [],
      manager_id: input.manager_id ?? null,
      ...prefColumns(input.notifications),
      ...crmColumn({}, input.crm),
    });
    return presentRep(row);
  } catch (err) {
    crmIdTaken(err);
    return emailTaken(err, input.email);
  }
}

export async function getRep(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string): Promise<Rep> {
  const { db } = deps;
  const row = await reps.findRep(db, orgId, id);
  if (!row) throw notFound('Rep');
  return presentRep(row);
}

export async function listReps(deps: Pick<ServiceDeps, 'db'>, orgId: string, q: RepListQuery): Promise<Page<Rep>> {
  const { db } = deps;
  const rows = await reps.listReps(
    db,
    orgId,
    { status: q.status, team: q.team, email: q.email, includeInactive: q.include_inactive },
    q.cursor,
    q.limit + 1,
  );
  return toPage(rows, q.limit, presentRep);
}

export async function updateRep(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string, input: RepUpdate): Promise<reps.RepRow> {
  const { db } = deps;
  const current = await reps.findRep(db, orgId, id);
  if (!current) throw notFound('Rep');
  if (!current.active) throw conflict('This rep has been deleted and can no longer be changed');
  await checkManager(deps, orgId, input.manager_id, id);
  const { reassign_open_leads: _ignored, notifications, crm, ...patch } = input;
  try {
    const row = await reps.updateRep(db, orgId, id, { ...patch, ...prefColumns(notifications), ...crmColumn(current.crm ?? {}, crm) });
    if (!row) throw notFound('Rep');
    return row;
  } catch (err) {
    crmIdTaken(err);
    return emailTaken(err, input.email);
  }
}

/** Deleting keeps the row (assignments and timelines point at it) and takes the rep out of routing. */
export async function deactivateRep(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string): Promise<reps.RepRow> {
  const { db } = deps;
  const current = await reps.findRep(db, orgId, id);
  if (!current) throw notFound('Rep');
  if (!current.active) return current;
  const row = await reps.updateRep(db, orgId, id, { active: false, status: 'OFFLINE', deactivated_at: new Date() });
  return row!;
}

/** Fields whose change can make a rep newly eligible for leads that are waiting. */
const ELIGIBILITY_FIELDS = ['status', 'teams', 'working_hours', 'out_of_office', 'max_open_leads', 'daily_cap', 'weight'] as const;

/**
 * Routing hears about rep changes: an offline (or deleted) rep's untouched leads move on when asked, and a
 * rep who may now take leads wakes the leads waiting for someone like them. The rep change itself is
 * already committed; a signal that cannot be sent now is made up for by the waiting leads' periodic re-check.
 */
export async function afterRepChange(
  deps: { db: Db; temporal: Temporal; logger: Logger },
  before: reps.RepRow,
  after: reps.RepRow,
  opts: { rerouteOpenLeads: boolean },
): Promise<void> {
  try {
    if (after.status !== 'AVAILABLE' || !after.active) {
      if (opts.rerouteOpenLeads || !after.active) await rerouteLeadsOf(deps.db, deps.temporal.client, after.org_id, after.id);
      return;
    }
    if (ELIGIBILITY_FIELDS.some((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]))) {
      await wakeLeadsFor(deps.db, deps.temporal.client, after.org_id, after);
    }
  } catch (err) {
    deps.logger.warn({ err, rep_id: after.id }, 'could not notify lead workflows of a rep change');
  }
}

export async function changeRep(deps: { db: Db; temporal: Temporal; logger: Logger }, orgId: string, id: string, input: RepUpdate): Promise<Rep> {
  const before = await reps.findRep(deps.db, orgId, id);
  const after = await updateRep(deps, orgId, id, input);
  if (before) await afterRepChange(deps, before, after, { rerouteOpenLeads: input.reassign_open_leads === true });
  return presentRep(after);
}

export async function deleteRep(deps: { db: Db; temporal: Temporal; logger: Logger }, orgId: string, id: string): Promise<Rep> {
  const before = await reps.findRep(deps.db, orgId, id);
  const after = await deactivateRep(deps, orgId, id);
  if (before?.active) await afterRepChange(deps, before, after, { rerouteOpenLeads: true });
  return presentRep(after);
}
