import type { Knex } from 'knex';
import { closuresOf } from './calendars';
import type { Db } from './knex';
import type { RepClock } from '../routing/sla';
import type { RepStatus, WorkingHours } from '../schemas/reps';

export interface RepRow {
  id: string;
  org_id: string;
  name: string;
  email: string;
  status: RepStatus;
  teams: string[];
  weight: number;
  max_open_leads: number | null;
  daily_cap: number | null;
  timezone: string;
  working_hours: WorkingHours | null;
  out_of_office: Array<{ start: string; end: string }>;
  manager_id: string | null;
  notify_email: boolean;
  notify_slack: boolean;
  slack_user_id: string | null;
  /** The rep's ids in the CRMs: { hubspot_owner_id, salesforce_user_id }. */
  crm: RepCrmIds;
  open_leads: number;
  active: boolean;
  deactivated_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface RepCrmIds {
  hubspot_owner_id?: string;
  salesforce_user_id?: string;
}

export type RepInsert = Omit<RepRow, 'open_leads' | 'active' | 'deactivated_at' | 'created_at' | 'updated_at' | 'notify_email' | 'notify_slack' | 'slack_user_id' | 'crm'> &
  Partial<Pick<RepRow, 'notify_email' | 'notify_slack' | 'slack_user_id' | 'crm'>>;
export type RepPatch = Partial<Omit<RepRow, 'id' | 'org_id' | 'open_leads' | 'created_at' | 'updated_at'>>;

// jsonb columns need explicit serialisation: knex would send a JS array as a Postgres array literal.
function toDb(row: Partial<RepRow>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  if ('working_hours' in row) out.working_hours = row.working_hours === null ? null : JSON.stringify(row.working_hours);
  if ('out_of_office' in row) out.out_of_office = JSON.stringify(row.out_of_office ?? []);
  if ('crm' in row) out.crm = JSON.stringify(row.crm ?? {});
  return out;
}

export async function insertRep(db: Db | Knex.Transaction, row: RepInsert): Promise<RepRow> {
  const [created] = await db('reps').insert(toDb(row)).returning('*');
  return created as RepRow;
}

export function findRep(db: Db | Knex.Transaction, orgId: string, id: string): Promise<RepRow | undefined> {
  return db<RepRow>('reps').where({ org_id: orgId, id }).first();
}

export interface RepFilter {
  status?: RepStatus;
  team?: string;
  email?: string;
  includeInactive?: boolean;
}

export function listReps(db: Db, orgId: string, f: RepFilter, after: string | undefined, limit: number): Promise<RepRow[]> {
  const q = db<RepRow>('reps').where({ org_id: orgId }).orderBy('id', 'asc').limit(limit);
  if (!f.includeInactive) q.andWhere({ active: true });
  if (f.status) q.andWhere({ status: f.status });
  if (f.team) q.andWhereRaw('teams @> ARRAY[?]::text[]', [f.team]);
  if (f.email) q.andWhere({ email: f.email.toLowerCase() });
  if (after) q.andWhere('id', '>', after);
  return q;
}

export async function updateRep(db: Db | Knex.Transaction, orgId: string, id: string, patch: RepPatch): Promise<RepRow | undefined> {
  const [row] = await db('reps')
    .where({ org_id: orgId, id })
    .update({ ...toDb(patch), updated_at: db.fn.now() })
    .returning('*');
  return row as RepRow | undefined;
}

/** The rep's name, time zone, hours and holidays: SLA deadlines and escalations count on the clock. */
export async function repClock(db: Db | Knex.Transaction, repId: string): Promise<(RepClock & { name: string }) | null> {
  const row = await db<RepRow>('reps').where({ id: repId }).first('id', 'org_id', 'teams', 'name', 'timezone', 'working_hours');
  if (!row) return null;
  const closures = (await closuresOf(db, row.org_id, [row])).get(repId);
  return { name: row.name, timezone: row.timezone, working_hours: row.working_hours, ...(closures ? { closures } : {}) };
}

/** Reps by id (active or not): who is told what. */
export function repsByIds(db: Db | Knex.Transaction, orgId: string, ids: string[]): Promise<RepRow[]> {
  return ids.length ? db<RepRow>('reps').where({ org_id: orgId }).whereIn('id', ids) : Promise.resolve([]);
}

export async function managerOf(db: Db | Knex.Transaction, repId: string): Promise<string | null> {
  return (await db<RepRow>('reps').where({ id: repId }).first('manager_id'))?.manager_id ?? null;
}

/** The rep if it is active and AVAILABLE (it may take leads), else undefined. */
export function availableRep(db: Db, orgId: string, repId: string): Promise<Pick<RepRow, 'id' | 'teams'> | undefined> {
  return db<RepRow>('reps').where({ org_id: orgId, id: repId, active: true, status: 'AVAILABLE' }).first('id', 'teams');
}

/** Active reps as the owner sync matches them to CRM owners. */
export function repsForCrmSync(db: Db | Knex.Transaction, orgId: string): Promise<Array<Pick<RepRow, 'id' | 'name' | 'email' | 'crm'>>> {
  return db<RepRow>('reps').where({ org_id: orgId, active: true }).orderBy('id').select('id', 'name', 'email', 'crm');
}

/**
 * Sets each rep's id in a CRM (`key`: hubspot_owner_id, salesforce_user_id), first taking it from any other rep of the
 * organization that holds it (an id names one rep). Returns how many reps changed.
 */
export async function setRepCrmIds(db: Db | Knex.Transaction, orgId: string, key: keyof RepCrmIds, pairs: ReadonlyArray<{ repId: string; crmId: string }>): Promise<number> {
  if (!pairs.length) return 0;
  const ids = pairs.map((p) => p.crmId);
  await db('reps').where({ org_id: orgId }).whereRaw('crm->>? = ANY(?::text[])', [key, ids]).whereNotIn('id', pairs.map((p) => p.repId)).update({ crm: db.raw('crm - ?', [key]) });
  let changed = 0;
  for (const p of pairs) {
    changed += await db('reps').where({ org_id: orgId, id: p.repId }).whereRaw('crm->>? IS DISTINCT FROM ?', [key, p.crmId]).update({ crm: db.raw('jsonb_set(crm, ?::text[], to_jsonb(?::text))', [`{${key}}`, p.crmId]), updated_at: db.fn.now() });
  }
  return changed;
}

/** Takes these reps' id in a CRM off them (an owner the CRM no longer has). Returns how many changed. */
export async function clearRepCrmIds(db: Db | Knex.Transaction, orgId: string, key: keyof RepCrmIds, repIds: readonly string[]): Promise<number> {
  if (!repIds.length) return 0;
  return db('reps').where({ org_id: orgId }).whereIn('id', [...repIds]).update({ crm: db.raw('crm - ?', [key]), updated_at: db.fn.now() });
}

/** The active reps who are these CRM owners: owner id → rep id. */
export async function repsByCrmIds(db: Db | Knex.Transaction, orgId: string, key: keyof RepCrmIds, crmIds: readonly string[]): Promise<Map<string, string>> {
  if (!crmIds.length) return new Map();
  const rows: Array<{ id: string; crm_id: string }> = await db('reps').where({ org_id: orgId, active: true }).whereRaw('crm->>? = ANY(?::text[])', [key, [...crmIds]]).select('id', db.raw('crm->>? AS crm_id', [key]));
  return new Map(rows.map((r) => [r.crm_id, r.id]));
}
