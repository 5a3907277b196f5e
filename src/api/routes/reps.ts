import { z } from 'zod';
import { IdOf } from '../../schemas/common';
import { Rep, RepCreate, RepListQuery, RepUpdate } from '../../schemas/reps';
import * as service from '../../services/reps';
import { listRoute, route } from '../route';

const RepParams = z.object({ id: IdOf('rep') });

export const repRoutes = [
  listRoute({
    method: 'get',
    path: '/v1/reps',
    operationId: 'listReps',
    tag: 'Reps',
    summary: 'List all representatives of your organization',
    scope: 'reps:read',
    query: RepListQuery,
    response: Rep,
    handler: (ctx, { query }) => service.listReps(ctx.deps, ctx.orgId, query),
  }),
  route({
    method: 'post',
    path: '/v1/reps',
    operationId: 'createRep',
    audit: { resource: 'rep', action: 'created' },
    alsoChecked: [
      '`manager_id` names another active rep of this organization',
      'each `out_of_office` period starts before it ends',
      'working-hours intervals of a day do not overlap and the week has at least an hour',
    ],
    tag: 'Reps',
    summary: 'Create a rep',
    scope: 'reps:write',
    body: RepCreate,
    response: Rep,
    errors: [409],
    handler: (ctx, { body }) => service.createRep(ctx.deps, ctx.orgId, body),
  }),
  route({
    method: 'get',
    path: '/v1/reps/:id',
    operationId: 'getRep',
    tag: 'Reps',
    summary: 'Get a rep',
    scope: 'reps:read',
    params: RepParams,
    response: Rep,
    handler: (ctx, { params }) => service.getRep(ctx.deps, ctx.orgId, params.id),
  }),
  route({
    method: 'patch',
    path: '/v1/reps/:id',
    operationId: 'updateRep',
    audit: { resource: 'rep', action: 'updated' },
    alsoChecked: [
      '`manager_id` names another active rep of this organization',
      'each `out_of_office` period starts before it ends',
      'working-hours intervals of a day do not overlap and the week has at least an hour',
    ],
    tag: 'Reps',
    summary: 'Change a rep: availability, capacity, hours, teams',
    description:
      'Setting status OFFLINE or AWAY with `reassign_open_leads: true` moves the rep\'s untouched open leads to other reps. ' +
      'A change that may make the rep eligible (status AVAILABLE, hours, capacity, teams) routes leads waiting for a rep at once.',
    scope: 'reps:write',
    params: RepParams,
    body: RepUpdate,
    response: Rep,
    errors: [409],
    handler: (ctx, { params, body }) => service.changeRep(ctx.deps, ctx.orgId, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/v1/reps/:id',
    operationId: 'deleteRep',
    audit: { resource: 'rep', action: 'deleted' },
    tag: 'Reps',
    summary: 'Delete (deactivate) a rep: no new leads, untouched open leads move on; history stays',
    scope: 'reps:write',
    params: RepParams,
    response: Rep,
    handler: (ctx, { params }) => service.deleteRep(ctx.deps, ctx.orgId, params.id),
  }),
];
