import { createHash } from 'node:crypto';
import { inBatches } from '../concurrency';
import { normalizeDomain } from '../routing/domains';
import type { Config } from '../config';
import * as leads from '../db/leads';
import { ApiError, conflict, fromZod, notFound } from '../errors';
import { closeUpdate, reassignUpdate } from '../lead/messages';
import type { Page } from '../schemas/common';
import type { TimelineEvent } from '../schemas/timeline';
import { LeadInput, type Lead, type LeadBatch, type LeadBatchResult, type LeadDetail, type LeadListQuery, type LeadIngested } from '../schemas/leads';
import { CommandRejected, sendLeadCommand, startAndAwaitDecision, type Headline } from '../temporal/leads';
import type { ServiceDeps } from './deps';
import { iso, toPage } from './paging';
import { requireActiveRep } from './reps';
import { workflowUrl } from '../temporal/links';

/** Who the lead is, for its workflow's summary in the Temporal Web UI. */
export function headlineOf(row: Pick<leads.LeadRow, 'first_name' | 'last_name' | 'company' | 'source'>): Headline {
  return { name: [row.first_name, row.last_name].filter(Boolean).join(' ') || null, company: row.company, source: row.source };
}

export function presentLead(row: leads.LeadRow, config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>): Lead {
  return {
    id: row.id,
    status: row.status,
    email: row.email,
    first_name: row.first_name,
    last_name: row.last_name,
    company: row.company,
    domain: row.domain,
    country: row.country,
    state: row.state,
    source: row.source,
    score: row.score,
    employees: row.employees === null ? null : Number(row.employees),
    industry: row.industry,
    external_id: row.external_id,
    attributes: row.attributes,
    contact_id: row.contact_id,
    account_domain: row.account_domain,
    assigned_rep_id: row.assigned_rep_id,
    unassigned_reason: row.unassigned_reason,
    routing: row.routing,
    sla: row.sla,
    sla_due_at: iso(row.sla_due_at),
    first_touch_at: iso(row.first_touch_at),
    assigned_at: iso(row.assigned_at),
    closed_at: iso(row.closed_at),
    close_reason: row.close_reason,
    reassignment_count: row.reassignment_count,
    workflow_id: row.workflow_id,
    workflow_url: workflowUrl(config.TEMPORAL_UI_URL, config.TEMPORAL_NAMESPACE, row.workflow_id),
    received_at: row.received_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

async function findDuplicate(db: ServiceDeps['db'], orgId: string, input: LeadInput, idempotencyKey?: string): Promise<leads.LeadRow | undefined> {
  if (idempotencyKey) {
    const byKey = await leads.findLeadBy(db, orgId, 'idempotency_key', idempotencyKey);
    if (byKey) return byKey;
  }
  return input.external_id ? leads.findLeadBy(db, orgId, 'external_id', input.external_id) : undefined;
}

/** Stores a lead, or finds the one it duplicates. Insert first: a duplicate inserts nothing, and is looked up. */
async function receiveLead(deps: ServiceDeps, orgId: string, input: LeadInput, idempotencyKey: string | undefined, bulkQueue: string | null = null): Promise<{ row: leads.LeadRow; inserted: boolean }> {
  const inserted = await leads.insertReceivedLead(deps.db, orgId, input, idempotencyKey, bulkQueue);
  const row = inserted ?? (await findDuplicate(deps.db, orgId, input, idempotencyKey));
  if (!row) throw conflict('A lead with this external_id or Idempotency-Key is being created concurrently; retry');
  return { row, inserted: inserted !== null };
}

/**
 * Takes a lead in: deduplicated (same Idempotency-Key, or same external_id → the same lead), stored with its
 * contact before anything else happens, then handed to its workflow, whose decision is awaited up to
 * `waitMs`. If Temporal cannot be reached the lead is still stored in ROUTING, and the worker's sweeper
 * starts its workflow later: an accepted lead is never lost.
 */
export async function ingestLead(
  deps: ServiceDeps,
  orgId: string,
  input: LeadInput,
  opts: { idempotencyKey?: string; waitMs?: number },
): Promise<LeadIngested> {
  const waitMs = opts.waitMs ?? deps.config.LEAD_WAIT_MS_DEFAULT;
  const received = await receiveLead(deps, orgId, input, opts.idempotencyKey);
  let row = received.row;
  const duplicate = !received.inserted;
  if (row.status !== 'ROUTING') return { ...presentLead(row, deps.config), duplicate };
  try {
    // Not decided in time is not known to be started (the deadline may have cut the start itself): such a
    // lead stays for the sweeper to check.
    if (await startAndAwaitDecision(deps.temporal, orgId, row.id, waitMs, headlineOf(row))) row = (await leads.findLead(deps.db, orgId, row.id)) ?? row;
  } catch (err) {
    deps.logger.warn({ err, lead_id: row.id }, 'could not start the lead workflow now; the sweeper will');
  }
  return { ...presentLead(row, deps.config), duplicate };
}

export async function getLead(deps: ServiceDeps, orgId: string, id: string): Promise<LeadDetail> {
  const found = await leads.leadWithHistory(deps.db, orgId, id);
  if (!found) throw notFound('Lead');
  const { row, assignments, timeline } = found;
  return {
    ...presentLead(row, deps.config),
    assignments: assignments.map((a) => ({
      id: a.id,
      rep_id: a.rep_id,
      seq: a.seq,
      reason: a.reason,
      rule_id: a.rule_id,
      strategy: a.strategy,
      assigned_at: a.assigned_at.toISOString(),
      ended_at: iso(a.ended_at),
      end_reason: a.end_reason,
    })),
    timeline: timeline.map((e) => ({ id: e.id, type: e.type, rep_id: e.rep_id, data: e.data, occurred_at: e.occurred_at.toISOString() }) as TimelineEvent),
  };
}

/** The filters of the lead list, as the list and the export both apply them. */
export function leadFilter(q: Omit<LeadListQuery, 'limit' | 'cursor'>): leads.LeadFilter {
  return { status: q.status, repId: q.rep_id, contactId: q.contact_id, accountDomain: q.account ? (normalizeDomain(q.account) ?? q.account) : undefined, createdAfter: q.created_after, createdBefore: q.created_before };
}

export async function listLeads(deps: ServiceDeps, orgId: string, q: LeadListQuery): Promise<Page<Lead>> {
  const rows = await leads.listLeads(deps.db, orgId, leadFilter(q), q.cursor, q.limit + 1);
  return toPage(rows, q.limit, (r) => presentLead(r, deps.config));
}

async function command(deps: ServiceDeps, orgId: string, id: string, run: (headline: Headline) => Promise<unknown>): Promise<LeadDetail> {
  const row = await leads.findLead(deps.db, orgId, id);
  if (!row) throw notFound('Lead');
  if (row.status === 'CLOSED') throw conflict('The lead is closed');
  try {
    await run(headlineOf(row));
  } catch (err) {
    if (err instanceof CommandRejected) throw conflict(`Not possible now: ${err.message}`);
    throw err;
  }
  return getLead(deps, orgId, id);
}

/**
 * A request's Idempotency-Key names the command it carries: sent again (a retry after a 503), it is the same
 * workflow update, which Temporal carries out once.
 */
export interface CommandOptions {
  idempotencyKey?: string;
}

export const updateIdFor = (op: string, leadId: string, opts: CommandOptions) =>
  opts.idempotencyKey ? `${op}:${leadId}:${createHash('sha256').update(opts.idempotencyKey).digest('hex').slice(0, 32)}` : undefined;

/** Through the workflow, which owns the lead's routing state; the API never writes it. */
export async function reassignLead(deps: ServiceDeps, orgId: string, id: string, repId: string | undefined, opts: CommandOptions = {}): Promise<LeadDetail> {
  await requireActiveRep(deps, orgId, repId, 'rep_id');
  return command(deps, orgId, id, (headline) => sendLeadCommand(deps.temporal, orgId, id, reassignUpdate, { repId }, { updateId: updateIdFor('reassign', id, opts), headline }));
}

export function closeLead(deps: ServiceDeps, orgId: string, id: string, reason: string, opts: CommandOptions = {}): Promise<LeadDetail> {
  return command(deps, orgId, id, (headline) => sendLeadCommand(deps.temporal, orgId, id, closeUpdate, { reason }, { updateId: updateIdFor('close', id, opts), headline }));
}

/** Leads of one batch stored at once: enough to keep Postgres busy, not to swamp it. */
const BATCH_CONCURRENCY = 4;

/**
 * Takes up to LEAD_BATCH_MAX leads, each as POST /v1/leads would (validated, deduplicated, stored), without
 * waiting for routing decisions: their workflows are started by the worker's bulk feeder, a few at a time and
 * organizations in turn (worker/bulkFeeder.ts), so a batch never queues another organization's single lead
 * behind it. A lead that fails validation is answered at its index with the error (details name
 * `leads[i].field`); the others are taken in. With an Idempotency-Key each lead gets its own
 * (`<key>#<index>`), so a batch sent again after a lost answer creates nothing twice.
 */
export async function ingestBatch(deps: ServiceDeps, orgId: string, batch: LeadBatch, opts: { idempotencyKey?: string; requestId: string }): Promise<LeadBatchResult> {
  const one = async (raw: unknown, index: number): Promise<LeadBatchResult['results'][number]> => {
    const parsed = LeadInput.safeParse(raw);
    if (!parsed.success) return { index, error: errorFor(fromZod(parsed.error, `lead at leads[${index}]`, ['leads', index]), opts.requestId) };
    try {
      const { row, inserted } = await receiveLead(deps, orgId, parsed.data, opts.idempotencyKey ? `${opts.idempotencyKey}#${index}` : undefined, deps.temporal.taskQueue);
      return { index, id: row.id, status: row.status, duplicate: !inserted };
    } catch (err) {
      if (err instanceof ApiError && err.status < 500) return { index, error: errorFor(err, opts.requestId) };
      throw err;
    }
  };
  const results = await inBatches(batch.leads, BATCH_CONCURRENCY, one);
  const rejected = results.filter((r) => 'error' in r).length;
  return { accepted: results.length - rejected, rejected, results };
}

type BatchError = Extract<LeadBatchResult['results'][number], { error: unknown }>['error'];

function errorFor(err: ApiError, requestId: string): BatchError {
  return { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}), request_id: requestId };
}

