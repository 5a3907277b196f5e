import { z } from 'zod';
import { Account, AccountDomainParam, AccountListQuery, AccountUpsert } from '../../schemas/accounts';
import * as service from '../../services/accounts';
import { listRoute, route } from '../route';

const Params = z.object({ domain: AccountDomainParam });
const tag = 'Accounts';

export const accountRoutes = [
  listRoute({
    method: 'get',
    path: '/v1/accounts',
    operationId: 'listAccounts',
    tag,
    summary: 'List accounts, by domain',
    scope: 'contacts:read',
    query: AccountListQuery,
    response: Account,
    handler: (ctx, { query }) => service.listAccounts(ctx.deps, ctx.orgId, query),
  }),
  route({
    method: 'get',
    path: '/v1/accounts/:domain',
    operationId: 'getAccount',
    tag,
    summary: 'An account and its owner',
    scope: 'contacts:read',
    params: Params,
    response: Account,
    handler: (ctx, { params }) => service.getAccount(ctx.deps, ctx.orgId, params.domain),
  }),
  route({
    method: 'put',
    path: '/v1/accounts/:domain',
    operationId: 'upsertAccount',
    alsoChecked: ['`owner_rep_id` names an active rep of this organization'],
    tag,
    summary: 'Create an account or change its name, owner or attributes',
    scope: 'contacts:write',
    receipt: ['domain'],
    params: Params,
    body: AccountUpsert,
    response: Account,
    handler: (ctx, { params, body }) => service.upsertAccount(ctx.deps, ctx.orgId, params.domain, body),
  }),
  route({
    method: 'delete',
    path: '/v1/accounts/:domain',
    operationId: 'deleteAccount',
    tag,
    summary: 'Delete an account (its leads keep their domain; the next lead creates it again, without an owner)',
    scope: 'contacts:write',
    receipt: ['domain'],
    params: Params,
    response: Account,
    handler: (ctx, { params }) => service.deleteAccount(ctx.deps, ctx.orgId, params.domain),
  }),
];
