import { z } from 'zod';
import { ApiKey, ApiKeyCreate, ApiKeyCreated } from '../../schemas/apiKeys';
import { IdOf, PageQuery } from '../../schemas/common';
import * as service from '../../services/apiKeys';
import { listRoute, route } from '../route';

const KeyParams = z.object({ id: IdOf('key') });

export const apiKeyRoutes = [
  listRoute({
    method: 'get',
    path: '/v1/api-keys',
    tag: 'API keys',
    summary: 'List API keys (never their secrets)',
    scope: 'keys:write',
    query: PageQuery,
    response: ApiKey,
    handler: (ctx, { query }) => service.listKeys(ctx.deps.db, ctx.orgId, query),
  }),
  route({
    method: 'post',
    path: '/v1/api-keys',
    tag: 'API keys',
    summary: 'Create an API key; the response holds the full key, shown this once',
    description: 'Without `scopes` a secret `sk_live_` key; with `scopes` a restricted `rk_live_` key. A restricted key can only create keys narrower than itself.',
    scope: 'keys:write',
    body: ApiKeyCreate,
    response: ApiKeyCreated,
    handler: (ctx, { body }) => service.createKey(ctx.deps.db, ctx.orgId, body, ctx.principal),
  }),
  route({
    method: 'delete',
    path: '/v1/api-keys/:id',
    tag: 'API keys',
    summary: 'Revoke an API key; the next request made with it is refused with 401',
    scope: 'keys:write',
    params: KeyParams,
    response: ApiKey,
    handler: (ctx, { params }) => service.revokeKey(ctx.deps.db, ctx.orgId, params.id),
  }),
];
