import { z } from 'zod';
import { IdOf } from '../../schemas/common';
import { CloseRequest, Lead, LeadBatch, LeadBatchResult, LeadCreateQuery, LeadDetail, LeadExportQuery, LeadInput, LeadListQuery, LeadPatch, LeadIngested, LeadUpdateResult, ReassignRequest } from '../../schemas/leads';
import { updateLead } from '../../services/leadUpdates';
import { RerouteJob, RerouteRequest } from '../../schemas/rerouteJobs';
import { createRerouteJob, getRerouteJob } from '../../services/rerouteJobs';
import { forbidden } from '../../errors';
import * as service from '../../services/leads';
import { listRoute, route, streamRoute, type RouteContext } from '../route';
import { EXPORT_COLUMNS, exportLeads } from '../../services/leadExport';

const Params = z.object({ id: IdOf('lead') });
const tag = 'Leads';
const deps = (ctx: RouteContext) => ctx.deps;

export const leadRoutes = [
  listRoute({
    method: 'get',
    path: '/v1/leads',
    operationId: 'listLeads',
    tag,
    summary: 'List leads, newest first',
    scope: 'leads:read',
    query: LeadListQuery,
    response: Lead,
    handler: (ctx, { query }) => service.listLeads(deps(ctx), ctx.orgId, query),
  }),
  route({
    method: 'post',
    path: '/v1/leads',
    operationId: 'createLead',
    tag,
    summary: 'Ingest a lead: it is routed at once',
    description:
      'Stores the lead (and upserts its contact by email), starts its workflow and waits up to `wait_ms` (default 2000) for the routing decision. ' +
      'A decided lead comes back ASSIGNED (with its rep, SLA deadline and explanation) or UNASSIGNED; otherwise ROUTING. ' +
      'The same `Idempotency-Key` (from the same API key), or the same `external_id`, returns the same lead. ' +
      '`duplicate` says whether the lead existed already (then nothing sent is stored). A key without `leads:read` gets a receipt: `{id, status, duplicate}`, with what it sent for a new lead.',
    scope: 'leads:write',
    query: LeadCreateQuery,
    body: LeadInput,
    response: LeadIngested,
    receipt: ['duplicate'],
    handler: (ctx, { query, body }) => service.ingestLead(deps(ctx), ctx.orgId, body, { idempotencyKey: ctx.idempotencyKey, waitMs: query.wait_ms, }),
  }),
  streamRoute({
    method: 'get',
    path: '/v1/leads/export',
    operationId: 'exportLeads',
    tag,
    summary: 'Export leads with their routing outcome, first touch and SLA result, as CSV or NDJSON',
    description:
      'Streams the leads that match the filters, oldest first, without a page limit: for spreadsheets and BI tools. Columns: ' +
      `${EXPORT_COLUMNS.join(', ')}. \`sla_result\` is MET, BREACHED, PENDING or NONE (no SLA). ` +
      'A text cell starting with =, +, -, @, a tab or a return is prefixed with an apostrophe, so a spreadsheet never runs it as a formula.',
    scope: 'leads:read',
    query: LeadExportQuery,
    produces: { 'text/csv': 'A header row, then one row per lead', 'application/x-ndjson': 'One JSON object per line, one per lead' },
    handler: (ctx, { query }) => Promise.resolve(exportLeads(ctx.deps, ctx.orgId, query)),
  }),
  route({
    method: 'post',
    path: '/v1/leads/batch',
    operationId: 'createLeadBatch',
    tag,
    summary: 'Ingest up to 500 leads at once, answered lead by lead',
    description:
      'Each lead is taken in as POST /v1/leads would take it (deduplicated by `external_id`, stored, its workflow started), without waiting for routing decisions: ' +
      'read them later with GET /v1/leads/:id. A lead that is not valid is answered at its index in `results` with the error (its `details` name `leads[i].field`) and the others are taken in, ' +
      'so the answer is 200 whenever the batch itself has the right shape. With an Idempotency-Key, sending the same batch again creates nothing twice.',
    scope: 'leads:write',
    body: LeadBatch,
    response: LeadBatchResult,
    handler: (ctx, { body }) => service.ingestBatch(deps(ctx), ctx.orgId, body, { idempotencyKey: ctx.idempotencyKey, requestId: ctx.requestId }),
  }),
  route({
    method: 'post',
    path: '/v1/leads/reroute',
    operationId: 'rerouteLeads',
    tag,
    summary: 'Route a selection of leads again, as one tracked job',
    description:
      'E.g. all open leads of a rep who left (`rep_id`), or every lead waiting UNASSIGNED (`status`). The leads are chosen when the job starts (oldest first, up to `limit`); ' +
      'each is then routed again through its own workflow, as PATCH with `reroute: true` would. Read the job with GET /v1/reroute-jobs/:id. `dry_run` only says which leads would be chosen, and needs `leads:read` too.',
    scope: 'leads:write',
    body: RerouteRequest,
    response: RerouteJob,
    errors: [503],
    handler: (ctx, { body }) => {
      // A dry run answers with the leads a selection names: it is a read.
      if (body.dry_run && !ctx.canRead) throw forbidden('A dry run lists the leads it would choose: it needs the leads:read scope too');
      return createRerouteJob(deps(ctx), ctx.orgId, ctx.principal, body);
    },
  }),
  route({
    method: 'get',
    path: '/v1/reroute-jobs/:id',
    operationId: 'getRerouteJob',
    tag,
    summary: 'A re-route job: how far it got, what moved, what failed',
    scope: 'leads:read',
    params: z.object({ id: IdOf('rerouteJob') }),
    response: RerouteJob,
    handler: (ctx, { params }) => getRerouteJob(deps(ctx), ctx.orgId, params.id),
  }),
  route({
    method: 'get',
    path: '/v1/leads/:id',
    operationId: 'getLead',
    tag,
    summary: 'A lead with its routing explanation, assignments and timeline',
    scope: 'leads:read',
    params: Params,
    response: LeadDetail,
    handler: (ctx, { params }) => service.getLead(deps(ctx), ctx.orgId, params.id),
  }),
  route({
    method: 'patch',
    path: '/v1/leads/:id',
    operationId: 'updateLead',
    tag,
    summary: "Change a lead's data (enrichment after intake); route it again when that should change who has it",
    description:
      'Each changed field is recorded on the timeline (UPDATED) with its old and new value; the timeline keeps a lead\'s latest 100 updates. A lead holds at most 100 attributes after the merge. A lead still ROUTING or UNASSIGNED is routed again on its new data. ' +
      "An assigned lead is routed again when `reroute` is true, or when a field in its rule's `reroute_on_change` changed (it then moves only if another rule now matches). " +
      'A lead that finds no eligible rep stays with the one it has. `reroute` tells what happened.',
    scope: 'leads:write',
    params: Params,
    body: LeadPatch,
    response: LeadUpdateResult,
    receipt: ['reroute'],
    errors: [409, 503],
    handler: (ctx, { params, body }) => updateLead(deps(ctx), ctx.orgId, params.id, body, { idempotencyKey: ctx.idempotencyKey }),
  }),
  route({
    method: 'post',
    path: '/v1/leads/:id/reassign',
    operationId: 'reassignLead',
    alsoChecked: [
      '`rep_id` names an active rep of this organization',
    ],
    tag,
    summary: 'Reassign a lead, to a given rep or to the next eligible one',
    scope: 'leads:write',
    params: Params,
    body: ReassignRequest,
    response: LeadDetail,
    errors: [409, 503],
    handler: (ctx, { params, body }) => service.reassignLead(deps(ctx), ctx.orgId, params.id, body.rep_id, { idempotencyKey: ctx.idempotencyKey }),
  }),
  route({
    method: 'post',
    path: '/v1/leads/:id/close',
    operationId: 'closeLead',
    tag,
    summary: 'Close a lead: its SLA stops and its rep gets the capacity back',
    scope: 'leads:write',
    params: Params,
    body: CloseRequest,
    response: LeadDetail,
    errors: [409, 503],
    handler: (ctx, { params, body }) => service.closeLead(deps(ctx), ctx.orgId, params.id, body.reason, { idempotencyKey: ctx.idempotencyKey }),
  }),
];
