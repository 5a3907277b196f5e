import { z } from 'zod';
import { ListName, parseValueListPut, ValueList, ValueListDetail, ValueListPut, ValueListQuery } from '../../schemas/lists';
import * as service from '../../services/lists';
import { listRoute, route } from '../route';
import { LIMITS } from '../../routing/schema';

const Params = z.object({ name: ListName });
const tag = 'Lists';
const audit = (action: 'updated' | 'deleted') => ({ resource: 'list' as const, action });

export const listRoutes = [
  listRoute({
    method: 'get',
    path: '/v1/lists',
    operationId: 'listValueLists',
    tag,
    summary: 'Named value lists (territories), without their values',
    scope: 'rules:read',
    query: ValueListQuery,
    response: ValueList,
    handler: (ctx, { query }) => service.listLists(ctx.deps, ctx.orgId, query),
  }),
  route({
    method: 'get',
    path: '/v1/lists/:name',
    operationId: 'getValueList',
    tag,
    summary: 'A list with its values',
    scope: 'rules:read',
    params: Params,
    response: ValueListDetail,
    handler: (ctx, { params }) => service.getList(ctx.deps, ctx.orgId, params.name),
  }),
  route({
    method: 'put',
    path: '/v1/lists/:name',
    operationId: 'putValueList',
    tag,
    summary: 'Create a list or replace its values',
    description:
      'Conditions use it as `{"field": "country", "op": "in_list", "value": "emea-countries"}`. A ruleset keeps the values it was published with, so the edit changes routing once the ruleset that uses it is published: ' +
      'drafts take the values at their publication, and publishing the active ruleset again makes a new version with the new values (`used_by` names them).',
    scope: 'rules:write',
    receipt: ['name'],
    params: Params,
    body: ValueListPut,
    parseBody: parseValueListPut,
    // 100,000 values of up to 500 characters: the one route whose body may be larger than 1 MB.
    bodyLimits: { bytes: 8 * 1024 * 1024, values: LIMITS.namedListValues + 16 },
    response: ValueList,
    audit: audit('updated'),
    handler: (ctx, { params, body }) => service.putList(ctx.deps, ctx.orgId, params.name, body),
  }),
  route({
    method: 'delete',
    path: '/v1/lists/:name',
    operationId: 'deleteValueList',
    tag,
    summary: 'Delete a list that no draft or active ruleset uses',
    scope: 'rules:write',
    receipt: ['name'],
    params: Params,
    response: ValueList,
    errors: [409],
    audit: audit('deleted'),
    handler: (ctx, { params }) => service.deleteList(ctx.deps, ctx.orgId, params.name),
  }),
];
