import type { Knex } from 'knex';
import { endOpenAssignments } from './assignments';
import type { Db } from './knex';

/**
 * Erasing one person from an organization, table by table, in one transaction: what names them is redacted or
 * deleted, what the product needs to stay correct (a lead's rep, rule, times; counts) is kept. SQL only here.
 */
export const ERASED_EMAIL = 'erased@erased.invalid';

export interface Erased {
  leads: number;
  contacts: number;
  events: number;
  activities: number;
  notifications: number;
  deliveries: number;
  stored_answers: number;
  /** The erased leads, whose Temporal workflows the caller deletes after commit. */
  leadIds: string[];
  /** Of them, those that were still open (their assignment ended here). */
  closed: number;
}

const lower = (email: string) => email.trim().toLowerCase();

/** The person's leads and contacts in the organization, locked. */
async function findPerson(trx: Knex.Transaction, orgId: string, email: string) {
  const contacts = (await trx('contacts').where({ org_id: orgId }).andWhereRaw('lower(email) = ?', [lower(email)]).forUpdate().select('id')).map((r: { id: string }) => r.id);
  const leads = await trx('leads')
    .where({ org_id: orgId })
    .andWhere((q) => q.whereRaw('lower(email) = ?', [lower(email)]).orWhereIn('contact_id', contacts))
    .forUpdate()
    .select('id', 'status', 'assigned_rep_id');
  return { contacts, leads: leads as Array<{ id: string; status: string; assigned_rep_id: string | null }> };
}

/**
 * The routing explanation without the lead's own values: a failed condition keeps which rule, field and
 * operator, not what the lead had (`actual`) nor a value that quoted it.
 */
const SCRUB_ROUTING = `CASE WHEN routing IS NULL THEN NULL ELSE jsonb_set(routing, '{explanation,rules}', COALESCE((
  SELECT jsonb_agg(CASE WHEN r->'failed' IS NOT NULL THEN jsonb_set(r, '{failed}', (r->'failed') - 'actual' - 'actual_length') ELSE r END)
  FROM jsonb_array_elements(routing->'explanation'->'rules') AS r), '[]'::jsonb)) END`;

export async function erasePerson(db: Db, orgId: string, email: string): Promise<Erased> {
  return db.transaction(async (trx) => {
    const { contacts, leads } = await findPerson(trx, orgId, email);
    const leadIds = leads.map((l) => l.id);
    const open = leads.filter((l) => l.status !== 'CLOSED').map((l) => l.id);
    // An open lead ends here: its rep's load and the SLA must not go on for someone who is gone.
    if (open.length) {
      const at = new Date();
      await endOpenAssignments(trx, orgId, open.map((leadId) => ({ leadId, reason: 'CLOSED', at })));
      await trx('leads').whereIn('id', open).update({ status: 'CLOSED', closed_at: trx.fn.now(), close_reason: 'erased on request', sla_due_at: null });
    }
    const leadCount = leadIds.length
      ? await trx('leads')
          .whereIn('id', leadIds)
          .update({
            email: ERASED_EMAIL,
            first_name: null,
            last_name: null,
            company: null,
            domain: null,
            // The company a work email names is theirs too.
            account_domain: null,
            country: null,
            state: null,
            industry: null,
            external_id: null,
            idempotency_key: null,
            attributes: '{}',
            routing: trx.raw(SCRUB_ROUTING),
            updated_at: trx.fn.now(),
          })
      : 0;
    const contactCount = contacts.length ? await trx('contacts').whereIn('id', contacts).update({ email: null, external_id: null, name: null, phone: null, company: null, attributes: '{}', updated_at: trx.fn.now() }) : 0;
    // Timeline data that quotes the person: an update's old and new values (the fields changed stay), and a
    // closing reason someone typed. Every event keeps the shape its type documents.
    const events = leadIds.length
      ? await trx('events')
          .whereIn('lead_id', leadIds)
          .whereIn('type', ['UPDATED', 'CLOSED'])
          .update({
            data: trx.raw(`CASE type
              WHEN 'UPDATED' THEN jsonb_build_object('changes', COALESCE((SELECT jsonb_object_agg(k, jsonb_build_object('from', NULL, 'to', NULL)) FROM jsonb_object_keys(data->'changes') AS k), '{}'::jsonb))
              ELSE jsonb_build_object('reason', '(erased)') END`),
          })
      : 0;
    const activities = contacts.length ? await trx('activities').whereIn('contact_id', contacts).update({ notes: null }) : 0;
    const notifications = leadIds.length
      ? await trx('notifications')
          .whereIn('lead_id', leadIds)
          .update({
            subject: '(erased)',
            body_text: '(erased)',
            body_html: null,
            slack_message: null,
            // One not yet sent is never sent.
            status: trx.raw("CASE WHEN status = 'PENDING' THEN 'SKIPPED' ELSE status END"),
            last_error: trx.raw("CASE WHEN status = 'PENDING' THEN 'erased on request' ELSE last_error END"),
          })
      : 0;
    let deliveries = 0;
    let answers = 0;
    for (const id of leadIds) {
      // Deliveries and stored answers carry the lead in JSON; they are found by its id.
      deliveries += await trx('webhook_deliveries')
        .where({ org_id: orgId })
        .andWhereRaw('payload::text LIKE ?', [`%"${id}"%`])
        .update({
          payload: JSON.stringify({ erased: true }),
          status: trx.raw("CASE WHEN status = 'PENDING' THEN 'FAILED' ELSE status END"),
          last_error: trx.raw("CASE WHEN status = 'PENDING' THEN 'erased on request' ELSE last_error END"),
        });
      answers += await trx('idempotency_keys').where({ org_id: orgId }).andWhereRaw('response::text LIKE ?', [`%"${id}"%`]).delete();
    }
    return { leads: leadCount, contacts: contactCount, events, activities, notifications, deliveries, stored_answers: answers, leadIds, closed: open.length };
  });
}

export async function insertErasure(db: Db, row: { id: string; org_id: string; counts: object; actor_key_id: string | null; actor_user_id: string | null }): Promise<ErasureRow> {
  const [created] = await db('privacy_erasures')
    .insert({ ...row, status: 'COMPLETED', counts: JSON.stringify(row.counts), finished_at: db.fn.now() })
    .returning('*');
  return created as ErasureRow;
}

export interface ErasureRow {
  id: string;
  org_id: string;
  status: 'COMPLETED';
  counts: Record<string, number>;
  created_at: Date;
  finished_at: Date | null;
}

export function findErasure(db: Db, orgId: string, id: string): Promise<ErasureRow | undefined> {
  return db<ErasureRow>('privacy_erasures').where({ org_id: orgId, id }).first();
}
