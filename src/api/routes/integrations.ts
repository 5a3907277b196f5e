import { HubSpotConnection, HubSpotConnectionPut, Integrations, OwnerSyncReport, SalesforceConnection, SalesforceConnectionPut } from '../../schemas/integrations';
import * as service from '../../services/integrations';
import * as salesforce from '../../services/salesforce';
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
    audit: { resource: 'integration', action: 'updated', id: 'hubspot' },
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
    audit: { resource: 'integration', action: 'deleted', id: 'hubspot' },
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
    handler: (ctx) => service.syncCrmOwners(ctx.deps, ctx.orgId, 'hubspot'),
  }),
  route({
    method: 'put',
    path: '/v1/integrations/salesforce',
    operationId: 'putSalesforceConnection',
    audit: { resource: 'integration', action: 'updated', id: 'salesforce' },
    alsoChecked: ['`organization_id` is not connected to another organization (409)', 'connecting the first time needs `client_secret` and `refresh_token` (422)', 'the deployment has ENCRYPTION_KEYS: secrets are never stored in clear (409)'],
    tag,
    summary: 'Connect Salesforce, or change the connection',
    description:
      "The connected app's consumer key and secret and a refresh token (web-server flow, scopes `api refresh_token`) are sealed with ENCRYPTION_KEYS and never returned. " +
      'Access tokens come from SALESFORCE_LOGIN_URL; every API call goes to the `instance_url` the token names. ' +
      'The first answer (and one with `rotate_outbound_token`) shows `outbound_message_url` with its token: give it to the outbound message of a flow or workflow rule on Lead create. ' +
      'Users are mapped to reps by email daily, and on demand with POST /v1/integrations/salesforce/users/sync.',
    scope: 'integrations:write',
    body: SalesforceConnectionPut,
    response: SalesforceConnection,
    // The URL carries the outbound token: never in the audit log, nor kept for an idempotent replay.
    secretFields: ['outbound_message_url'],
    errors: [409],
    handler: (ctx, { body }) => salesforce.putSalesforce(ctx.deps, ctx.orgId, body),
  }),
  route({
    method: 'get',
    path: '/v1/integrations/salesforce',
    operationId: 'getSalesforceConnection',
    tag,
    summary: 'The Salesforce connection (secrets and the outbound token redacted) and how it is doing; 404 when not connected',
    scope: 'integrations:read',
    response: SalesforceConnection,
    errors: [404],
    handler: (ctx) => salesforce.getSalesforce(ctx.deps, ctx.orgId),
  }),
  route({
    method: 'delete',
    path: '/v1/integrations/salesforce',
    operationId: 'deleteSalesforceConnection',
    audit: { resource: 'integration', action: 'deleted', id: 'salesforce' },
    tag,
    summary: 'Disconnect Salesforce: its secrets are deleted, its outbound messages refused, owners no longer written',
    scope: 'integrations:write',
    response: SalesforceConnection,
    errors: [404],
    handler: (ctx) => salesforce.deleteSalesforce(ctx.deps, ctx.orgId),
  }),
  route({
    method: 'post',
    path: '/v1/integrations/salesforce/users/sync',
    operationId: 'syncSalesforceUsers',
    tag,
    summary: 'Map active Salesforce users to reps by email now (it also runs daily), and report who is left unmapped',
    description:
      "Runs `SELECT Id, Email, Name FROM User WHERE IsActive = true` (following nextRecordsUrl). A rep whose email is a user's gets `crm.salesforce_user_id`; a rep whose user was deactivated loses it (in `inactive_owners`), so no lead is written to that user. 503 when Salesforce cannot be read.",
    scope: 'integrations:write',
    response: OwnerSyncReport,
    errors: [404, 503],
    handler: (ctx) => service.syncCrmOwners(ctx.deps, ctx.orgId, 'salesforce'),
  }),
];
