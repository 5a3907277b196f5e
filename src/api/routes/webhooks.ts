import { z } from 'zod';
import { IdOf, PageQuery } from '../../schemas/common';
import { Delivery, Webhook, WebhookCreate, WebhookCreated, WebhookUpdate } from '../../schemas/webhooks';
import * as service from '../../services/webhooks';
import { listRoute, route } from '../route';

const Params = z.object({ id: IdOf('webhook') });
const tag = 'Webhooks';

export const webhookRoutes = [
  listRoute({
    method: 'get',
    path: '/v1/webhooks',
    operationId: 'listWebhooks',
    tag,
    summary: 'List webhooks (never their secrets)',
    scope: 'intelligence:read',
    query: PageQuery,
    response: Webhook,
    handler: (ctx, { query }) => service.listWebhooks(ctx.deps, ctx.orgId, query),
  }),
  route({
    method: 'post',
    path: '/v1/webhooks',
    operationId: 'createWebhook',
    audit: { resource: 'webhook', action: 'created' },
    alsoChecked: [
      "`url` points where the operator's OUTBOUND_TARGETS allows (by default: no loopback, private or link-local address)",
    ],
    tag,
    summary: 'Subscribe a URL to events; the response holds the signing secret, shown this once',
    description:
      'Events are POSTed as JSON `{id, type, created_at, data}` with `Routeswit-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, ' +
      '`Routeswit-Event` and `Routeswit-Delivery` headers. Any answer but 2xx is retried with exponential backoff (1 s, 2 s, 4 s … ten attempts). ' +
      'The URL must point at an address `OUTBOUND_TARGETS` allows (by default public addresses only: no loopback, private, link-local or multicast); ' +
      'the address a name resolves to is checked again at every delivery. ' +
      'Replayed with the same `Idempotency-Key` by the same key, the call returns the first response with `secret: null`: the secret is never stored for replays.',
    scope: 'intelligence:write',
    body: WebhookCreate,
    response: WebhookCreated,
    secretFields: ['secret'],
    handler: (ctx, { body }) => service.createWebhook(ctx.deps, ctx.orgId, body),
  }),
  route({
    method: 'get',
    path: '/v1/webhooks/:id',
    operationId: 'getWebhook',
    tag,
    summary: 'Get a webhook',
    scope: 'intelligence:read',
    params: Params,
    response: Webhook,
    handler: (ctx, { params }) => service.getWebhook(ctx.deps, ctx.orgId, params.id),
  }),
  route({
    method: 'patch',
    path: '/v1/webhooks/:id',
    operationId: 'updateWebhook',
    audit: { resource: 'webhook', action: 'updated' },
    alsoChecked: [
      "`url` points where the operator's OUTBOUND_TARGETS allows (by default: no loopback, private or link-local address)",
    ],
    tag,
    summary: 'Change a webhook: URL, events, or pause it with active=false',
    scope: 'intelligence:write',
    params: Params,
    body: WebhookUpdate,
    response: Webhook,
    handler: (ctx, { params, body }) => service.updateWebhook(ctx.deps, ctx.orgId, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/v1/webhooks/:id',
    operationId: 'deleteWebhook',
    audit: { resource: 'webhook', action: 'deleted' },
    tag,
    summary: 'Delete a webhook: no new deliveries; its delivery history stays',
    scope: 'intelligence:write',
    params: Params,
    response: Webhook,
    handler: (ctx, { params }) => service.deleteWebhook(ctx.deps, ctx.orgId, params.id),
  }),
  listRoute({
    method: 'get',
    path: '/v1/webhooks/:id/deliveries',
    operationId: 'listWebhookDeliveries',
    tag,
    summary: 'Deliveries of a webhook, newest first, with attempts and the last answer',
    scope: 'intelligence:read',
    params: Params,
    query: PageQuery,
    response: Delivery,
    handler: (ctx, { params, query }) => service.listDeliveries(ctx.deps, ctx.orgId, params.id, query),
  }),
];
