import type { Db } from '../db/knex';
import type { ServiceDeps } from './deps';
import { checkAttributeCount } from './attributes';
import { pgCode, PG } from '../db/knex';
import * as store from '../db/contacts';
import { conflict, notFound } from '../errors';
import { newId } from '../ids';
import type { Logger } from '../logger';
import type { Page, PageQuery } from '../schemas/common';
import { CONTACT_LEADS_SHOWN, type Activity, type ActivityCreate, type ActivityLogged, type Contact, type ContactDetail, type ContactListQuery, type ContactUpserted, type ContactUpsert } from '../schemas/contacts';
import type { Temporal } from '../temporal/client';
import { CommandRejected, sendLeadCommand } from '../temporal/leads';
import { firstTouchUpdate } from '../lead/messages';
import { isTouchType } from '../lead/model';
import { listLeads } from '../db/leads';
import { iso, toPage } from './paging';
import { requireActiveRep } from './reps';

export function presentContact(c: store.ContactRow): Contact {
  return {
    id: c.id,
    email: c.email,
    external_id: c.external_id,
    name: c.name,
    phone: c.phone,
    company: c.company,
    owner_rep_id: c.owner_rep_id,
    attributes: c.attributes,
    created_at: c.created_at.toISOString(),
    updated_at: c.updated_at.toISOString(),
  };
}

export function presentActivity(a: store.ActivityRow): Activity {
  return {
    id: a.id,
    contact_id: a.contact_id,
    lead_id: a.lead_id,
    rep_id: a.rep_id,
    type: a.type,
    notes: a.notes,
    outcome: a.outcome,
    first_touch: a.first_touch,
    occurred_at: a.occurred_at.toISOString(),
    created_at: a.created_at.toISOString(),
  };
}

/**
 * Upserts by email, else by external_id; both given and naming two different contacts is a conflict.
 */
export async function upsertContact(deps: Pick<ServiceDeps, 'db'>, orgId: string, input: ContactUpsert): Promise<ContactUpserted> {
  const { db } = deps;
  await requireActiveRep(deps, orgId, input.owner_rep_id, 'owner_rep_id');
  for (let attempt = 0; ; attempt++) {
    try {
      const byEmail = input.email ? await store.findContactBy(db, orgId, 'email', input.email) : undefined;
      const byExternal = input.external_id ? await store.findContactBy(db, orgId, 'external_id', input.external_id) : undefined;
      if (byEmail && byExternal && byEmail.id !== byExternal.id) {
        throw conflict(`email and external_id belong to two different contacts (${byEmail.id}, ${byExternal.id})`);
      }
      const existing = byEmail ?? byExternal;
      const fields = {
        ...(input.email !== undefined ? { email: input.email } : {}),
        ...(input.external_id !== undefined ? { external_id: input.external_id } : {}),
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.phone !== undefined ? { phone: input.phone } : {}),
        ...(input.company !== undefined ? { company: input.company } : {}),
        ...(input.owner_rep_id !== undefined ? { owner_rep_id: input.owner_rep_id } : {}),
      };
      if (existing) {
        const attributes = input.attributes ? { ...existing.attributes, ...input.attributes } : undefined;
        if (attributes) checkAttributeCount(Object.keys(attributes).length, 'contact');
        const updated = await store.updateContact(db, orgId, existing.id, { ...fields, ...(attributes ? { attributes } : {}) });
        return { ...presentContact(updated), created: false };
      }
      const inserted = await store.insertContact(db, {
          id: newId('contact'),
          org_id: orgId,
          email: null,
          external_id: null,
          name: null,
          phone: null,
          company: null,
          owner_rep_id: null,
          ...fields,
          attributes: input.attributes ?? {},
        });
      return { ...presentContact(inserted), created: true };
    } catch (err) {
      // A concurrent upsert created it first: the next pass updates it instead.
      if (pgCode(err) === PG.UNIQUE_VIOLATION && attempt < 2) continue;
      if (pgCode(err) === PG.UNIQUE_VIOLATION) throw conflict('email or external_id is already used by another contact');
      throw err;
    }
  }
}

export async function getContact(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string): Promise<ContactDetail> {
  const { db } = deps;
  const c = await store.findContact(db, orgId, id);
  if (!c) throw notFound('Contact');
  const leads = await listLeads(db, orgId, { contactId: id }, undefined, CONTACT_LEADS_SHOWN);
  return {
    ...presentContact(c),
    leads: leads.map((l) => ({ id: l.id, status: l.status, assigned_rep_id: l.assigned_rep_id, received_at: l.received_at.toISOString(), first_touch_at: iso(l.first_touch_at), closed_at: iso(l.closed_at) })),
  };
}

export async function listContacts(deps: Pick<ServiceDeps, 'db'>, orgId: string, q: ContactListQuery): Promise<Page<Contact>> {
  const { db } = deps;
  return toPage(await store.listContacts(db, orgId, { email: q.email, ownerRepId: q.owner_rep_id }, q.cursor, q.limit + 1), q.limit, presentContact);
}

/**
 * Stores the activity; a CALL, MEETING or EMAIL by the rep a lead of this contact is assigned to is that
 * lead's first touch, which its workflow records (stopping the SLA clock). Integrations often send no rep:
 * the activity is then the rep's who holds the contact's lead waiting for a first touch. NOTEs and other reps'
 * activities are stored and change nothing; the answer says why an activity was not a first touch. If
 * Temporal cannot be reached, the worker's sweeper delivers the touch later.
 */
export async function logActivity(deps: { db: Db; temporal: Temporal; logger: Logger }, orgId: string, contactId: string, input: ActivityCreate): Promise<ActivityLogged> {
  const contact = await store.findContact(deps.db, orgId, contactId);
  if (!contact) throw notFound('Contact');
  await requireActiveRep(deps, orgId, input.rep_id, 'rep_id');
  const touch = isTouchType(input.type);
  let repId = input.rep_id ?? null;
  let reason: string | null = touch ? null : `a ${input.type} never counts as a first touch`;
  if (!repId && touch) {
    const holders = await store.repsAwaitingTouch(deps.db, orgId, contactId);
    if (holders.length === 1) repId = holders[0]!;
    else reason = holders.length ? `leads of this contact wait for ${holders.length} different reps: say which with rep_id` : NO_OPEN_LEAD;
  }
  const activity = await store.insertActivity(deps.db, {
    id: newId('activity'),
    org_id: orgId,
    contact_id: contactId,
    rep_id: repId,
    type: input.type,
    notes: input.notes ?? null,
    outcome: input.outcome ?? null,
    occurred_at: input.occurred_at ? new Date(input.occurred_at) : new Date(),
  });
  if (repId && touch) {
    const leads = await store.leadsAwaitingTouch(deps.db, orgId, contactId, repId);
    if (!leads.length) reason = (await store.repsAwaitingTouch(deps.db, orgId, contactId)).length ? `${repId} is not the rep assigned to this contact's open lead` : NO_OPEN_LEAD;
    for (const lead of leads) await deliverFirstTouch(deps, orgId, lead.id, activity);
  }
  const stored = presentActivity((await store.findActivity(deps.db, activity.id))!);
  if (!stored.first_touch && !reason) reason = 'the lead moved on before the touch reached it, or Temporal is unreachable (it is delivered later)';
  return { ...stored, first_touch_reason: stored.first_touch ? null : reason };
}

const NO_OPEN_LEAD = 'no open lead assigned';

export async function deliverFirstTouch(deps: { temporal: Temporal; logger: Logger }, orgId: string, leadId: string, a: store.ActivityRow): Promise<boolean> {
  try {
    // The activity names the touch: delivered again by the sweeper, it is the same update.
    await sendLeadCommand(deps.temporal, orgId, leadId, firstTouchUpdate, { activityId: a.id, repId: a.rep_id!, occurredAt: a.occurred_at.toISOString() }, { updateId: `touch:${a.id}` });
    return true;
  } catch (err) {
    // Rejected: the lead moved on (reassigned, closed) between our read and the workflow's check.
    if (!(err instanceof CommandRejected)) deps.logger.warn({ err, lead_id: leadId }, 'first touch not delivered now; the sweeper will retry');
    return false;
  }
}

export async function listActivities(deps: Pick<ServiceDeps, 'db'>, orgId: string, contactId: string, page: PageQuery): Promise<Page<Activity>> {
  const { db } = deps;
  if (!(await store.findContact(db, orgId, contactId))) throw notFound('Contact');
  return toPage(await store.listActivities(db, contactId, page.cursor, page.limit + 1), page.limit, presentActivity);
}

