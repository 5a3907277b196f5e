import { z } from 'zod';
import { IdOf } from '../../schemas/common';
import { CloseRequest, Lead, LeadCreateQuery, LeadDetail, LeadInput, LeadListQuery, LeadReceipt, ReassignRequest } from '../../schemas/leads';
import { hasScope } from '../../services/apiKeys';
import * as service from '../../services/leads';
import { listRoute, route, type RouteContext } from '../route';

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
      'A key without `leads:read` gets only `{id, status, duplicate: true}` for a lead that already existed.',
    scope: 'leads:write',
    query: LeadCreateQuery,
    body: LeadInput,
    response: z.union([Lead, LeadReceipt]),
    handler: (ctx, { query, body }) =>
      service.ingestLead(deps(ctx), ctx.orgId, body, { idempotencyKey: ctx.idempotencyKey, waitMs: query.wait_ms, canRead: hasScope(ctx.principal, 'leads:read') }),
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
