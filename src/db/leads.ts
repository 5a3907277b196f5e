import type { Knex } from 'knex';
import { columnsOf, pgCode, PG, prepared, type Db } from './knex';
import { newId } from '../ids';
import { workflowIdFor, type LeadStatus, type UnassignedReason } from '../lead/model';
import { accountCandidates } from '../routing/domains';
import type { Sla } from '../routing/schema';
import type { LeadInput } from '../schemas/leads';
import type { Routing } from '../schemas/routing';
import { leadAssignments, type AssignmentRow } from './assignments';
import { leadTimeline, type EventRow } from './timeline';

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
  /** What routing decided, as plain columns for statistics: the rule (or "(fallback)") and the team. */
  rule_id: string | null;
  team: string | null;
  /** The account (company domain) the lead matched when it arrived; null for free mail. */
  account_domain: string | null;
  workflow_id: string;
  received_at: Date;
  updated_at: Date;
}

/** Every column of LeadRow, for the prepared statements every lead runs. */
export const LEAD_COLUMNS = columnsOf<LeadRow>()(
  'id', 'org_id', 'contact_id', 'email', 'first_name', 'last_name', 'company', 'domain', 'country', 'state', 'source', 'score',
  'employees', 'industry', 'external_id', 'attributes', 'idempotency_key', 'status', 'assigned_rep_id', 'unassigned_reason',
  'waiting_teams', 'waiting_rep_ids', 'routing', 'sla', 'sla_due_at', 'first_touch_at', 'assigned_at', 'closed_at', 'close_reason',
  'reassignment_count', 'rule_id', 'team', 'account_domain', 'workflow_id', 'received_at', 'updated_at',
);

export function findLead(db: Conn, orgId: string, id: string): Promise<LeadRow | undefined> {
  return prepared(db, 'find_lead', db<LeadRow>('leads').where({ org_id: orgId, id }).first(...LEAD_COLUMNS));
}

export function findLeadBy(db: Conn, orgId: string, column: 'external_id' | 'idempotency_key', value: string): Promise<LeadRow | undefined> {
  return db<LeadRow>('leads').where({ org_id: orgId, [column]: value }).first();
}

export interface LeadFilter {
  status?: LeadStatus;
  /** Any of these statuses. */
  statuses?: LeadStatus[];
  repId?: string;
  contactId?: string;
  accountDomain?: string;
  team?: string;
  ruleId?: string;
  createdAfter?: string;
  createdBefore?: string;
}

/** The filter's conditions on the leads table (under alias `l`). */
function filtered<Q extends Knex.QueryBuilder>(q: Q, f: LeadFilter): Q {
  if (f.status) q.andWhere('l.status', f.status);
  if (f.statuses) q.whereIn('l.status', f.statuses);
  if (f.repId) q.andWhere('l.assigned_rep_id', f.repId);
  if (f.contactId) q.andWhere('l.contact_id', f.contactId);
  if (f.accountDomain) q.andWhere('l.account_domain', f.accountDomain);
  if (f.team) q.andWhere('l.team', f.team);
  if (f.ruleId) q.andWhere('l.rule_id', f.ruleId);
  if (f.createdAfter) q.andWhere('l.received_at', '>=', f.createdAfter);
  if (f.createdBefore) q.andWhere('l.received_at', '<', f.createdBefore);
  return q;
}

/** Newest first; the cursor is the last id seen. */
export function listLeads(db: Db, orgId: string, f: LeadFilter, before: string | undefined, limit: number): Promise<LeadRow[]> {
  const q = filtered(db('leads as l').where('l.org_id', orgId).orderBy('l.id', 'desc').limit(limit).select('l.*'), f);
  if (before) q.andWhere('l.id', '<', before);
  return q;
}

/** Ids of up to `limit` leads matching the filter, oldest first (a re-route job's selection). */
export async function leadIdsMatching(db: Db, orgId: string, f: LeadFilter, limit: number): Promise<string[]> {
  const rows: Array<{ id: string }> = await filtered(db('leads as l').where('l.org_id', orgId).orderBy('l.id', 'asc').limit(limit).select('l.id'), f);
  return rows.map((r) => r.id);
}

/** A lead as an export row carries it: the lead, its rep's email, and what became of its SLA. */
export interface ExportRow extends LeadRow {
  rep_email: string | null;
  has_sla: boolean;
  breached_at: Date | null;
}

/** Oldest first from `afterId` (exclusive), for exports read page by page: keyset, so each page is an index range. */
export function exportPage(db: Db, orgId: string, f: LeadFilter, afterId: string | undefined, limit: number): Promise<ExportRow[]> {
  const q = db('leads as l')
    .leftJoin('reps as r', 'r.id', 'l.assigned_rep_id')
    .where('l.org_id', orgId)
    .orderBy('l.id', 'asc')
    .limit(limit)
    .select('l.*', 'r.email as rep_email');
  filtered(q, f);
  if (afterId) q.andWhere('l.id', '>', afterId);
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

/** The lead row, locked for the rest of the transaction: every change to a lead's routing goes through here. */
export async function lockLead(trx: Knex.Transaction, orgId: string, leadId: string): Promise<LeadRow | undefined> {
  return trx<LeadRow>('leads').where({ org_id: orgId, id: leadId }).forUpdate().first();
}

/** What a routing attempt wrote, if it ran before: the rep it assigned, or its "nobody eligible" step. */
export interface PriorAttempt {
  repId: string | null;
  noRep: { reason: UnassignedReason; retry_at: string | null } | null;
}

/**
 * Locks the leads for their routing attempts, in id order (two transactions locking some of the same leads
 * cannot deadlock), and reads in the same round trip what each attempt wrote if it ran before: a retried
 * attempt reports that instead of routing again. Leads not found (or not the organization's) are missing.
 */
export async function lockLeadsForAttempts(trx: Knex.Transaction, orgId: string, attempts: ReadonlyArray<{ leadId: string; attempt: number }>): Promise<Map<string, { lead: LeadRow; prior: PriorAttempt }>> {
  const { rows } = await trx.raw<{ rows: Array<LeadRow & { prior_rep_id: string | null; prior_no_rep: PriorAttempt['noRep'] }> }>(
    `SELECT l.*,
            (SELECT rep_id FROM assignments WHERE lead_id = l.id AND seq = t.seq) AS prior_rep_id,
            (SELECT data FROM events WHERE lead_id = l.id AND step_key = 'attempt:' || t.seq || ':no-rep') AS prior_no_rep
       FROM leads l JOIN unnest(:ids::text[], :seqs::int[]) AS t(id, seq) ON t.id = l.id
      WHERE l.org_id = :org
      ORDER BY l.id
        FOR UPDATE OF l`,
    { ids: attempts.map((a) => a.leadId), seqs: attempts.map((a) => a.attempt), org: orgId },
  );
  return new Map(rows.map(({ prior_rep_id, prior_no_rep, ...lead }) => [lead.id, { lead, prior: { repId: prior_rep_id, noRep: prior_no_rep } }]));
}

/** Writes a lead's changed data fields (the API's PATCH); routing columns are the workflow's, never touched here. */
export async function updateLeadData(trx: Knex.Transaction, leadId: string, values: Partial<Pick<LeadRow, 'first_name' | 'last_name' | 'company' | 'domain' | 'country' | 'state' | 'source' | 'score' | 'employees' | 'industry' | 'attributes'>>, at: Date): Promise<LeadRow> {
  const row: Record<string, unknown> = { ...values, updated_at: at };
  if (values.attributes) row.attributes = JSON.stringify(values.attributes);
  const [updated] = await trx('leads').where({ id: leadId }).update(row).returning('*');
  return updated as LeadRow;
}

export interface AssignedFields {
  status: 'ASSIGNED' | 'CONTACTED';
  repId: string;
  routing: Routing;
  sla: Sla | null;
  slaDueAt: Date | null;
  assignedAt: Date;
  /** Reported under this team (the pool it came from), and this rule. */
  team: string | null;
  ruleId: string | null;
  countsAsReassignment: boolean;
}

/** Marks the leads assigned in one statement; returns them as they now are (what notifications describe). */
export async function markAssigned(trx: Knex.Transaction, assigned: ReadonlyArray<AssignedFields & { leadId: string }>): Promise<Map<string, LeadRow>> {
  if (!assigned.length) return new Map();
  const rows = assigned.map((f) => ({
    id: f.leadId,
    status: f.status,
    rep_id: f.repId,
    routing: f.routing,
    sla: f.sla,
    sla_due_at: f.slaDueAt,
    assigned_at: f.assignedAt,
    team: f.team,
    rule_id: f.ruleId,
    reassign: f.countsAsReassignment ? 1 : 0,
  }));
  const { rows: updated } = await trx.raw<{ rows: LeadRow[] }>(
    `UPDATE leads l
        SET status = v.status, assigned_rep_id = v.rep_id, unassigned_reason = NULL, unassigned_since = NULL,
            waiting_teams = NULL, waiting_rep_ids = NULL, routing = v.routing, sla = v.sla, sla_due_at = v.sla_due_at,
            assigned_at = v.assigned_at, team = v.team, rule_id = v.rule_id,
            reassignment_count = l.reassignment_count + v.reassign, updated_at = v.assigned_at
       FROM jsonb_to_recordset(:rows::jsonb) AS v(id text, status text, rep_id text, routing jsonb, sla jsonb, sla_due_at timestamptz,
                                                  assigned_at timestamptz, team text, rule_id text, reassign int)
      WHERE l.id = ANY(:ids::text[]) AND l.id = v.id
  RETURNING l.*`,
    // The id list lets the planner use the primary key (it cannot size a row set built from JSON).
    { rows: JSON.stringify(rows), ids: rows.map((r) => r.id) },
  );
  return new Map(updated.map((l) => [l.id, l]));
}

export interface WaitingFields {
  reason: UnassignedReason;
  /** The pools it waits on, so a rep who becomes eligible there wakes it; null when nothing will. */
  waitingTeams: string[] | null;
  waitingRepIds: string[] | null;
  /** Kept from the routing attempt that found nobody; unchanged when absent. */
  routing?: Routing;
  at: Date;
}

/** UNASSIGNED, waiting since the first time it became so (a re-check that finds nobody keeps the date). */
export async function markUnassigned(trx: Knex.Transaction, leadId: string, f: WaitingFields): Promise<void> {
  await trx('leads')
    .where({ id: leadId })
    .update({
      status: 'UNASSIGNED',
      unassigned_since: trx.raw("CASE WHEN status = 'UNASSIGNED' THEN unassigned_since ELSE ?::timestamptz END", [f.at]),
      assigned_rep_id: null,
      unassigned_reason: f.reason,
      waiting_teams: f.waitingTeams,
      waiting_rep_ids: f.waitingRepIds,
      ...(f.routing ? { routing: JSON.stringify(f.routing) } : {}),
      sla_due_at: null,
      updated_at: f.at,
    });
}

/** The SLA clock stops; false when the lead is no longer ASSIGNED to that rep (nothing written). */
export async function markContacted(trx: Knex.Transaction, orgId: string, leadId: string, repId: string, at: Date): Promise<boolean> {
  const n = await trx('leads').where({ org_id: orgId, id: leadId, status: 'ASSIGNED', assigned_rep_id: repId }).update({ status: 'CONTACTED', first_touch_at: at, sla_due_at: null, updated_at: at });
  return n > 0;
}

export async function markClosed(trx: Knex.Transaction, leadId: string, reason: string, at: Date): Promise<void> {
  await trx('leads').where({ id: leadId }).update({ status: 'CLOSED', closed_at: at, close_reason: reason, sla_due_at: null, waiting_teams: null, waiting_rep_ids: null, updated_at: at });
}

/** The lead's first breach, for SLA statistics: counted against the rep who held it then. */
export async function markBreached(trx: Knex.Transaction, leadId: string, at: Date, repId: string | null): Promise<void> {
  await trx('leads').where({ id: leadId }).whereNull('breached_at').update({ breached_at: at, breached_rep_id: repId });
}

/** Workflow ids of leads waiting for a rep that `rep` could be: in one of its teams, or naming it. */
export async function leadsWaitingFor(db: Db, orgId: string, rep: { id: string; teams: string[] }): Promise<string[]> {
  const rows: Array<{ workflow_id: string }> = await db('leads')
    .where({ org_id: orgId, status: 'UNASSIGNED', unassigned_reason: 'NO_ELIGIBLE_REP' })
    .andWhere((x) => x.whereRaw('waiting_teams && ?::text[]', [rep.teams]).orWhereRaw('? = ANY(waiting_rep_ids)', [rep.id]))
    .select('workflow_id');
  return rows.map((r) => r.workflow_id);
}

/** Workflow ids of every lead waiting for a rep or for a rule that matches (after a new ruleset). */
export async function leadsWaiting(db: Db, orgId: string): Promise<string[]> {
  const rows: Array<{ workflow_id: string }> = await db('leads')
    .where({ org_id: orgId, status: 'UNASSIGNED' })
    .whereIn('unassigned_reason', ['NO_ELIGIBLE_REP', 'NO_RULE_MATCHED'])
    .select('workflow_id');
  return rows.map((r) => r.workflow_id);
}

/** Workflow ids of the rep's assigned leads that have not been touched yet. */
export async function untouchedLeadsOf(db: Db, orgId: string, repId: string): Promise<string[]> {
  const rows: Array<{ workflow_id: string }> = await db('leads').where({ org_id: orgId, status: 'ASSIGNED', assigned_rep_id: repId }).whereNull('first_touch_at').select('workflow_id');
  return rows.map((r) => r.workflow_id);
}

/**
 * Leads still ROUTING after `graceSeconds` whose workflow is not known to run (Temporal was down when they
 * came), first; then those whose workflow was last seen more than `recheckSeconds` ago and still has not
 * routed them (lost, terminated). A backlog of leads whose workflows run but have not routed yet is skipped.
 */
export function leadsStuckRouting(db: Db, graceSeconds: number, recheckSeconds: number, limit: number): Knex.QueryBuilder<LeadRow, StuckLead[]> {
  return db<LeadRow, StuckLead[]>('leads')
    .where({ status: 'ROUTING' })
    .andWhere('received_at', '<', db.raw('now() - make_interval(secs => ?)', [graceSeconds]))
    // A bulk lead not started yet is the bulk feeder's to start (worker/bulkFeeder.ts), not late.
    .andWhere((q) => q.where((w) => w.whereNull('workflow_started_at').whereNull('bulk_queue')).orWhere('workflow_started_at', '<', db.raw('now() - make_interval(secs => ?)', [recheckSeconds])))
    .orderByRaw('workflow_started_at NULLS FIRST, received_at')
    .limit(limit)
    .select('id', 'org_id', 'first_name', 'last_name', 'company', 'source');
}

export type StuckLead = Pick<LeadRow, 'id' | 'org_id' | 'first_name' | 'last_name' | 'company' | 'source'>;

/**
 * Claims a batch of leadsStuckRouting for this sweeper, marking their workflows seen now: a sweeper on another
 * worker skips them (and any lead a routing holds locked) and claims the next batch, so the sweep spreads over
 * the workers. `was` is what the mark replaced, for a lead whose workflow could not be started after all.
 */
export async function claimLeadsStuckRouting(db: Db, graceSeconds: number, recheckSeconds: number, limit: number): Promise<Array<StuckLead & { was: Date | null }>> {
  const pick = leadsStuckRouting(db, graceSeconds, recheckSeconds, limit).clearSelect().select('id', 'workflow_started_at AS was').forUpdate().skipLocked();
  const { rows } = await db.raw<{ rows: Array<StuckLead & { was: Date | null }> }>(
    'UPDATE leads l SET workflow_started_at = now() FROM (?) c WHERE l.id = c.id RETURNING l.id, l.org_id, l.first_name, l.last_name, l.company, l.source, c.was',
    [pick],
  );
  return rows;
}

/** Gives back claims whose workflow could not be started: the next sweep takes them again. */
export async function releaseLeadClaims(db: Db, claims: ReadonlyArray<{ id: string; was: Date | null }>): Promise<void> {
  for (const c of claims) await db('leads').where({ id: c.id, status: 'ROUTING' }).update({ workflow_started_at: c.was });
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
export async function insertReceivedLead(db: Db, orgId: string, input: LeadInput, idempotencyKey: string | undefined, bulkQueue: string | null = null): Promise<LeadRow | null> {
  const params = { ...receivedLeadParams(orgId, input, idempotencyKey), bulkQueue };
  for (let attempt = 0; ; attempt++) {
    try {
      const { rows } = await prepared(db, 'insert_received_lead', db.raw<{ rows: LeadRow[] }>(INSERT_RECEIVED_LEAD, params));
      return rows[0] ?? null;
    } catch (err) {
      if (pgCode(err) !== PG.FOREIGN_KEY_VIOLATION || attempt > 0) throw err;
    }
  }
}

// The lead's account is the most specific known one among its candidate domains (a sub-domain account
// someone created wins over the company's), else a new one at the registrable domain, created with it.
const INSERT_RECEIVED_LEAD = `
  WITH existing AS (
    SELECT id FROM contacts WHERE org_id = :orgId AND email = :email
  ), matched AS (
    SELECT domain FROM accounts WHERE org_id = :orgId AND domain IN (SELECT jsonb_array_elements_text(:accountCandidates::jsonb)) ORDER BY length(domain) DESC LIMIT 1
  ), lead AS (
    INSERT INTO leads (id, org_id, contact_id, email, first_name, last_name, company, domain, country, state, source, score,
                       employees, industry, external_id, attributes, idempotency_key, status, workflow_id, account_domain, bulk_queue)
    SELECT :id, :orgId, COALESCE((SELECT id FROM existing), :contactId), :email, :firstName, :lastName, :company, :domain, :country,
           :state, :source, :score, :employees, :industry, :externalId, :attributes::jsonb, :idempotencyKey, 'ROUTING', :workflowId,
           COALESCE((SELECT domain FROM matched), :accountDomain), :bulkQueue
    ON CONFLICT DO NOTHING
    RETURNING *
  ), new_account AS (
    INSERT INTO accounts (org_id, domain, name)
    SELECT :orgId, :accountDomain, :company FROM lead WHERE :accountDomain::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM matched)
    ON CONFLICT DO NOTHING
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
  SELECT ${LEAD_COLUMNS.join(', ')} FROM lead`;

function receivedLeadParams(orgId: string, input: LeadInput, idempotencyKey: string | undefined) {
  const id = newId('lead');
  const candidates = accountCandidates(input);
  return {
    accountCandidates: JSON.stringify(candidates),
    accountDomain: candidates.at(-1) ?? null,
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
