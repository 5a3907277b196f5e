import type { Knex } from 'knex';
import { pgCode, PG, type Db } from './knex';
import { newId } from '../ids';
import { enqueueDeliveries, WEBHOOK_EVENT_FOR } from './webhooks';
import { localDateString } from '../routing/time';
import type { Sla } from '../routing/schema';
import type { LeadInput } from '../schemas/leads';
import type { Routing } from '../schemas/routing';
import type { LeadStatus, UnassignedReason } from '../workflows/messages';

type Conn = Db | Knex.Transaction;

export type LeadRouting = Routing;

export interface LeadRow {
  id: string;
  org_id: string;
  contact_id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  domain: string | null;
  country: string | null;
  state: string | null;
  source: string | null;
  score: number | null;
  employees: number | null;
  industry: string | null;
  external_id: string | null;
  attributes: Record<string, unknown>;
  idempotency_key: string | null;
  status: LeadStatus;
  assigned_rep_id: string | null;
  unassigned_reason: UnassignedReason | null;
  waiting_teams: string[] | null;
  waiting_rep_ids: string[] | null;
  routing: LeadRouting | null;
  sla: Sla | null;
  sla_due_at: Date | null;
  first_touch_at: Date | null;
  assigned_at: Date | null;
  closed_at: Date | null;
  close_reason: string | null;
  reassignment_count: number;
  workflow_id: string;
  received_at: Date;
  updated_at: Date;
}

export interface AssignmentRow {
  id: string;
  org_id: string;
  lead_id: string;
  rep_id: string;
  seq: number;
  reason: string;
  rule_id: string | null;
  strategy: string | null;
  assigned_at: Date;
  ended_at: Date | null;
  end_reason: string | null;
}

export interface EventRow {
  id: string;
  org_id: string;
  lead_id: string;
  type: string;
  rep_id: string | null;
  data: Record<string, unknown>;
  step_key: string;
  occurred_at: Date;
}

export const workflowIdFor = (leadId: string) => `lead-${leadId}`;

export function findLead(db: Conn, orgId: string, id: string): Promise<LeadRow | undefined> {
  return db<LeadRow>('leads').where({ org_id: orgId, id }).first();
}

export function findLeadBy(db: Conn, orgId: string, column: 'external_id' | 'idempotency_key', value: string): Promise<LeadRow | undefined> {
  return db<LeadRow>('leads').where({ org_id: orgId, [column]: value }).first();
}

export interface LeadFilter {
  status?: LeadStatus;
  repId?: string;
  createdAfter?: string;
  createdBefore?: string;
}

/** Newest first; the cursor is the last id seen. */
export function listLeads(db: Db, orgId: string, f: LeadFilter, before: string | undefined, limit: number): Promise<LeadRow[]> {
  const q = db<LeadRow>('leads').where({ org_id: orgId }).orderBy('id', 'desc').limit(limit);
  if (f.status) q.andWhere({ status: f.status });
  if (f.repId) q.andWhere({ assigned_rep_id: f.repId });
  if (f.createdAfter) q.andWhere('received_at', '>=', f.createdAfter);
  if (f.createdBefore) q.andWhere('received_at', '<', f.createdBefore);
  if (before) q.andWhere('id', '<', before);
  return q;
}

/**
 * The lead with its assignments and timeline as of one moment: read in one snapshot, so a step the workflow
 * commits meanwhile shows in all three or in none.
 */
export async function leadWithHistory(db: Db, orgId: string, id: string): Promise<{ row: LeadRow; assignments: AssignmentRow[]; timeline: EventRow[] } | null> {
  return db.transaction(
    async (trx) => {
      const row = await findLead(trx, orgId, id);
      if (!row) return null;
      return { row, assignments: await leadAssignments(trx, id), timeline: await leadTimeline(trx, id) };
    },
    { isolationLevel: 'repeatable read', readOnly: true },
  );
}

export function leadAssignments(db: Conn, leadId: string): Promise<AssignmentRow[]> {
  return db<AssignmentRow>('assignments').where({ lead_id: leadId }).orderBy('seq');
}

export function leadTimeline(db: Conn, leadId: string): Promise<EventRow[]> {
  return db<EventRow>('events').where({ lead_id: leadId }).orderBy([{ column: 'occurred_at' }, { column: 'seq' }]);
}

/**
 * Writes a timeline event once: a retried activity finds its step key taken and writes nothing. Events that
 * webhooks announce get their deliveries queued in the same transaction.
 */
export async function insertEvent(
  db: Conn,
  e: { org_id: string; lead_id: string; type: string; step_key: string; rep_id?: string | null; data?: object; occurred_at?: Date },
): Promise<boolean> {
  const id = newId('event');
  const rows = await db('events')
    .insert({ id, rep_id: null, ...e, data: JSON.stringify(e.data ?? {}) })
    .onConflict(['lead_id', 'step_key'])
    .ignore()
    .returning(['id', 'occurred_at']);
  const hook = WEBHOOK_EVENT_FOR[e.type];
  if (rows.length && hook) {
    await enqueueDeliveries(db, e.org_id, hook, id, { lead_id: e.lead_id, rep_id: e.rep_id ?? null, ...(e.data ?? {}) }, rows[0].occurred_at);
  }
  return rows.length > 0;
}

export function findEvent(db: Conn, leadId: string, stepKey: string): Promise<EventRow | undefined> {
  return db<EventRow>('events').where({ lead_id: leadId, step_key: stepKey }).first();
}

/** Ends the lead's open assignment, if any, and gives the rep the capacity back. Returns that rep. */
export async function endOpenAssignment(trx: Knex.Transaction, leadId: string, reason: string, at: Date): Promise<string | null> {
  const [ended] = await trx('assignments')
    .where({ lead_id: leadId })
    .whereNull('ended_at')
    .update({ ended_at: at, end_reason: reason })
    .returning(['rep_id']);
  if (!ended) return null;
  await trx('reps').where({ id: ended.rep_id }).update({ open_leads: trx.raw('GREATEST(open_leads - 1, 0)') });
  return ended.rep_id as string;
}

/** Opens an assignment and counts it against the rep's capacity and today's cap (in the rep's time zone). */
export async function startAssignment(
  trx: Knex.Transaction,
  a: Omit<AssignmentRow, 'id' | 'ended_at' | 'end_reason'>,
  repTimezone: string,
): Promise<void> {
  await trx('assignments').insert({ id: newId('assignment'), ...a });
  await trx('reps').where({ id: a.rep_id }).update({ open_leads: trx.raw('open_leads + 1'), last_assigned_at: a.assigned_at });
  await trx('rep_daily_counts')
    .insert({ rep_id: a.rep_id, day: localDateString(a.assigned_at.getTime(), repTimezone), assigned: 1 })
    .onConflict(['rep_id', 'day'])
    .merge({ assigned: trx.raw('rep_daily_counts.assigned + 1') });
}

/**
 * Stores an arriving lead in one statement (one round trip, atomic): the lead in ROUTING with its RECEIVED
 * event, and its contact (found by email, or created; what the contact already knows is kept, gaps are
 * filled). A duplicate (same external_id or Idempotency-Key) inserts nothing at all, contact included, and
 * returns null.
 *
 * The lead is inserted first and everything else hangs off the row it returns. When its contact is new, the
 * lead points at the id the contact is about to get; if a concurrent request creates that contact first,
 * our insert of it does nothing, the foreign key fails at the end of the statement, and one retry finds it.
 */
export async function insertReceivedLead(db: Db, orgId: string, input: LeadInput, idempotencyKey: string | undefined): Promise<LeadRow | null> {
  const params = receivedLeadParams(orgId, input, idempotencyKey);
  for (let attempt = 0; ; attempt++) {
    try {
      const { rows } = await db.raw<{ rows: LeadRow[] }>(INSERT_RECEIVED_LEAD, params);
      return rows[0] ?? null;
    } catch (err) {
      if (pgCode(err) !== PG.FOREIGN_KEY_VIOLATION || attempt > 0) throw err;
    }
  }
}

const INSERT_RECEIVED_LEAD = `
  WITH existing AS (
    SELECT id FROM contacts WHERE org_id = :orgId AND email = :email
  ), lead AS (
    INSERT INTO leads (id, org_id, contact_id, email, first_name, last_name, company, domain, country, state, source, score,
                       employees, industry, external_id, attributes, idempotency_key, status, workflow_id)
    SELECT :id, :orgId, COALESCE((SELECT id FROM existing), :contactId), :email, :firstName, :lastName, :company, :domain, :country,
           :state, :source, :score, :employees, :industry, :externalId, :attributes::jsonb, :idempotencyKey, 'ROUTING', :workflowId
    ON CONFLICT DO NOTHING
    RETURNING *
  ), new_contact AS (
    INSERT INTO contacts (id, org_id, email, name, company)
    SELECT :contactId, :orgId, :email, :name, :company FROM lead WHERE lead.contact_id = :contactId
    ON CONFLICT (org_id, email) WHERE email IS NOT NULL DO NOTHING
  ), filled AS (
    UPDATE contacts SET name = COALESCE(contacts.name, :name), company = COALESCE(contacts.company, :company), updated_at = now()
    FROM lead WHERE contacts.id = lead.contact_id AND lead.contact_id <> :contactId
  ), received AS (
    INSERT INTO events (id, org_id, lead_id, type, step_key, occurred_at, data)
    SELECT :eventId, org_id, id, 'RECEIVED', 'received', received_at, :eventData::jsonb FROM lead
  )
  SELECT * FROM lead`;

function receivedLeadParams(orgId: string, input: LeadInput, idempotencyKey: string | undefined) {
  const id = newId('lead');
  return {
    id,
    contactId: newId('contact'),
    eventId: newId('event'),
    orgId,
    email: input.email,
    name: [input.first_name, input.last_name].filter(Boolean).join(' ') || null,
    firstName: input.first_name ?? null,
    lastName: input.last_name ?? null,
    company: input.company ?? null,
    domain: input.domain ?? null,
    country: input.country ?? null,
    state: input.state ?? null,
    source: input.source ?? null,
    score: input.score ?? null,
    employees: input.employees ?? null,
    industry: input.industry ?? null,
    externalId: input.external_id ?? null,
    attributes: JSON.stringify(input.attributes ?? {}),
    idempotencyKey: idempotencyKey ?? null,
    workflowId: workflowIdFor(id),
    eventData: JSON.stringify({ source: input.source ?? null }),
  };
}
