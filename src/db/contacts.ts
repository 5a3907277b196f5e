import type { Knex } from 'knex';
import type { Db } from './knex';
import type { OwnerInfo } from '../routing/select';
import { emailDomain } from '../routing/conditions';
import { isFreeMail } from '../routing/domains';
import { TOUCH_TYPES } from '../lead/model';

type Conn = Db | Knex.Transaction;

export interface ContactRow {
  id: string;
  org_id: string;
  email: string | null;
  external_id: string | null;
  name: string | null;
  phone: string | null;
  company: string | null;
  owner_rep_id: string | null;
  attributes: Record<string, unknown>;
  email_domain: string | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * For OWNER routing: the owner of the contact with this email, the owner of its account (the most specific
 * of `accountDomains` that is known), and owners of other contacts at the same company domain, most recently
 * updated first. Free-mail domains say nothing about the company, so their contacts' owners are not domain owners.
 */
export async function ownerInfo(db: Conn, orgId: string, email: string, accountDomains: readonly string[]): Promise<OwnerInfo> {
  const lower = email.toLowerCase();
  const contact = await db<ContactRow>('contacts').where({ org_id: orgId, email: lower }).first('owner_rep_id');
  const account = accountDomains.length
    ? await db('accounts').where({ org_id: orgId }).whereIn('domain', [...accountDomains]).orderByRaw('length(domain) DESC').first('owner_rep_id')
    : undefined;
  const domain = emailDomain(lower);
  let domainOwners: string[] = [];
  if (domain && !isFreeMail(domain)) {
    const rows = await db<ContactRow>('contacts')
      .where({ org_id: orgId, email_domain: domain })
      .whereNotNull('owner_rep_id')
      .whereNot({ email: lower })
      .orderBy('updated_at', 'desc')
      .limit(20)
      .select('owner_rep_id');
    domainOwners = [...new Set(rows.map((r) => r.owner_rep_id!))];
  }
  return { contact_owner_id: contact?.owner_rep_id ?? null, account_owner_id: (account?.owner_rep_id as string | null | undefined) ?? null, domain_owner_ids: domainOwners };
}

export function findContact(db: Conn, orgId: string, id: string): Promise<ContactRow | undefined> {
  return db<ContactRow>('contacts').where({ org_id: orgId, id }).first();
}

export function findContactBy(db: Conn, orgId: string, column: 'email' | 'external_id', value: string): Promise<ContactRow | undefined> {
  return db<ContactRow>('contacts').where({ org_id: orgId, [column]: value }).first();
}

export async function insertContact(db: Conn, row: Omit<ContactRow, 'created_at' | 'updated_at' | 'email_domain'>): Promise<ContactRow> {
  const [created] = await db('contacts').insert({ ...row, attributes: JSON.stringify(row.attributes) }).returning('*');
  return created as ContactRow;
}

export async function updateContact(db: Conn, orgId: string, id: string, patch: Partial<ContactRow>): Promise<ContactRow> {
  const values: Record<string, unknown> = { ...patch, updated_at: db.fn.now() };
  if (patch.attributes) values.attributes = JSON.stringify(patch.attributes);
  const [row] = await db('contacts').where({ org_id: orgId, id }).update(values).returning('*');
  return row as ContactRow;
}

export function listContacts(db: Db, orgId: string, f: { email?: string; ownerRepId?: string }, after: string | undefined, limit: number): Promise<ContactRow[]> {
  const q = db<ContactRow>('contacts').where({ org_id: orgId }).orderBy('id', 'asc').limit(limit);
  if (f.email) q.andWhere({ email: f.email.toLowerCase() });
  if (f.ownerRepId) q.andWhere({ owner_rep_id: f.ownerRepId });
  if (after) q.andWhere('id', '>', after);
  return q;
}

export interface ActivityRow {
  id: string;
  org_id: string;
  contact_id: string;
  lead_id: string | null;
  rep_id: string | null;
  type: 'CALL' | 'MEETING' | 'EMAIL' | 'NOTE';
  notes: string | null;
  outcome: 'POSITIVE' | 'NEUTRAL' | 'NEGATIVE' | 'NO_ANSWER' | null;
  first_touch: boolean;
  occurred_at: Date;
  created_at: Date;
}

export async function insertActivity(db: Conn, row: Omit<ActivityRow, 'created_at' | 'first_touch' | 'lead_id'>): Promise<ActivityRow> {
  const [created] = await db('activities').insert(row).returning('*');
  return created as ActivityRow;
}

export function findActivity(db: Conn, id: string): Promise<ActivityRow | undefined> {
  return db<ActivityRow>('activities').where({ id }).first();
}

export function listActivities(db: Db, contactId: string, after: string | undefined, limit: number): Promise<ActivityRow[]> {
  const q = db<ActivityRow>('activities').where({ contact_id: contactId }).orderBy('id', 'asc').limit(limit);
  if (after) q.andWhere('id', '>', after);
  return q;
}

/** Marks the activity as the first touch of `leadId` (it stopped that lead's SLA clock). */
export async function markFirstTouch(trx: Knex.Transaction, orgId: string, activityId: string, leadId: string): Promise<void> {
  await trx('activities').where({ id: activityId, org_id: orgId }).update({ first_touch: true, lead_id: leadId });
}

/**
 * Touches that were logged (CALL, MEETING or EMAIL by the assigned rep, after the assignment) more than
 * `graceSeconds` ago and still have not reached the lead's workflow: Temporal was down when they happened.
 */
export function touchesNotDelivered(db: Db, graceSeconds: number, limit: number): Promise<Array<ActivityRow & { lead_id_pending: string }>> {
  return db('activities as a')
    .join('leads as l', function join() {
      this.on('l.contact_id', 'a.contact_id').andOn('l.assigned_rep_id', 'a.rep_id');
    })
    .where('l.status', 'ASSIGNED')
    .whereIn('a.type', [...TOUCH_TYPES])
    .where('a.first_touch', false)
    .whereRaw('a.created_at >= l.assigned_at')
    .andWhere('a.created_at', '<', db.raw('now() - make_interval(secs => ?)', [graceSeconds]))
    .limit(limit)
    .select('a.*', 'l.id as lead_id_pending');
}

/** Leads of this contact waiting for this rep's first touch. */
export function leadsAwaitingTouch(db: Conn, orgId: string, contactId: string, repId: string): Promise<Array<{ id: string }>> {
  return db('leads').where({ org_id: orgId, contact_id: contactId, assigned_rep_id: repId, status: 'ASSIGNED' }).select('id');
}

/** The reps holding this contact's leads that wait for a first touch (usually one). */
export async function repsAwaitingTouch(db: Conn, orgId: string, contactId: string): Promise<string[]> {
  const rows: Array<{ assigned_rep_id: string }> = await db('leads').where({ org_id: orgId, contact_id: contactId, status: 'ASSIGNED' }).whereNotNull('assigned_rep_id').distinct('assigned_rep_id');
  return rows.map((r) => r.assigned_rep_id);
}
