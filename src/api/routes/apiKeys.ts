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
    operationId: 'listApiKeys',
    tag: 'API keys',
    summary: 'List API keys (never their secrets)',
    description: 'A restricted key sees only restricted keys whose scopes it holds itself; a secret key sees all keys of the organization.',
    scope: 'keys:read',
    query: PageQuery,
    response: ApiKey,
    handler: (ctx, { query }) => service.listKeys(ctx.deps, ctx.principal, query),
  }),
  route({
    method: 'post',
    path: '/v1/api-keys',
    operationId: 'createApiKey',
    audit: { resource: 'api_key', action: 'created' },
    tag: 'API keys',
    summary: 'Create an API key; the response holds the full key, shown this once',
    description:
      'Without `scopes` a secret `sk_live_` key; with `scopes` a restricted `rk_live_` key. A restricted key can only create keys narrower than itself. ' +
      'An organization has at most `MAX_API_KEYS_PER_ORG` (default 100) keys that are not revoked: one more is 409. ' +
      'Replayed with the same `Idempotency-Key` by the same key, the call returns the first response with `secret: null`: the secret is never stored.',
    scope: 'keys:write',
    body: ApiKeyCreate,
    response: ApiKeyCreated,
    secretFields: ['secret'],
    errors: [409],
    handler: (ctx, { body }) => service.createKey(ctx.deps, ctx.orgId, body, { creator: ctx.principal, maxKeys: ctx.deps.config.MAX_API_KEYS_PER_ORG }),
  }),
  route({
    method: 'delete',
    path: '/v1/api-keys/:id',
    operationId: 'revokeApiKey',
    audit: { resource: 'api_key', action: 'revoked' },
    tag: 'API keys',
    summary: 'Revoke an API key; the next request made with it is refused with 401',
    description: 'A restricted key can revoke only the keys it can list (404 for any other).',
    scope: 'keys:write',
    params: KeyParams,
    response: ApiKey,
    handler: (ctx, { params }) => service.revokeKey(ctx.deps, ctx.principal, params.id),
  }),
];
