import { HubSpotConnection, HubSpotConnectionPut, Integrations, OwnerSyncReport } from '../../schemas/integrations';
import * as service from '../../services/integrations';
import { route } from '../route';

const tag = 'Integrations';

export const integrationRoutes = [
  route({
    method: 'get',
    path: '/v1/integrations',
    operationId: 'listIntegrations',
    tag,
    summary: 'The CRMs this organization can connect: each connected one with its state (secrets redacted), null for the others',
    scope: 'integrations:read',
    response: Integrations,
    handler: (ctx) => service.listIntegrations(ctx.deps, ctx.orgId),
  }),
  route({
    method: 'put',
    path: '/v1/integrations/hubspot',
    operationId: 'putHubSpotConnection',
    audit: { resource: 'integration', action: 'updated' },
    alsoChecked: ['`portal_id` is not connected to another organization (409)', 'connecting the first time needs `client_secret` and `access_token` or `oauth` (422)', 'the deployment has ENCRYPTION_KEYS: secrets are never stored in clear (409)'],
    tag,
    summary: 'Connect HubSpot, or change the connection',
    description:
      'Secrets are sealed with the deployment\'s ENCRYPTION_KEYS and never returned (the answer shows `********`). Left out on a later PUT, the stored ones are kept. ' +
      "Point the app's webhook subscriptions (contact.creation, and contact.propertyChange for the properties your rules read) at `webhook_url`. " +
      'Owners are mapped to reps by email daily, and on demand with POST /v1/integrations/hubspot/owners/sync.',
    scope: 'integrations:write',
    body: HubSpotConnectionPut,
    response: HubSpotConnection,
    errors: [409],
    handler: (ctx, { body }) => service.putHubSpot(ctx.deps, ctx.orgId, body),
  }),
  route({
    method: 'get',
    path: '/v1/integrations/hubspot',
    operationId: 'getHubSpotConnection',
    tag,
    summary: 'The HubSpot connection (secrets redacted) and how it is doing: last event, last owner written, failures in 24 h; 404 when not connected',
    scope: 'integrations:read',
    response: HubSpotConnection,
    errors: [404],
    handler: (ctx) => service.getHubSpot(ctx.deps, ctx.orgId),
  }),
  route({
    method: 'delete',
    path: '/v1/integrations/hubspot',
    operationId: 'deleteHubSpotConnection',
    audit: { resource: 'integration', action: 'deleted' },
    tag,
    summary: 'Disconnect HubSpot: its secrets are deleted, webhooks for its account are refused, owners are no longer written',
    scope: 'integrations:write',
    response: HubSpotConnection,
    errors: [404],
    handler: (ctx) => service.deleteHubSpot(ctx.deps, ctx.orgId),
  }),
  route({
    method: 'post',
    path: '/v1/integrations/hubspot/owners/sync',
    operationId: 'syncHubSpotOwners',
    tag,
    summary: 'Map HubSpot owners to reps by email now (it also runs daily), and report who is left unmapped',
    description: 'Reads every owner (GET /crm/v3/owners, paged). A rep whose email is an owner\'s gets `crm.hubspot_owner_id`; 503 when HubSpot cannot be read.',
    scope: 'integrations:write',
    response: OwnerSyncReport,
    errors: [404, 503],
    handler: (ctx) => service.syncHubSpotOwners(ctx.deps, ctx.orgId),
  }),
];
