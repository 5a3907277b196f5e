import { z } from 'zod';
import { IdOf, Timestamp } from './common';

/**
 * A CRM connection per organization (HubSpot now; Salesforce reuses the shape of the status and the owner
 * sync). Secrets are accepted here, sealed at rest, and never shown again: the answer says only that they are set.
 */
const Secret = (what: string) => z.string().min(8).max(1000).regex(/^\S+$/, `${what} has no spaces`);
/** HubSpot property names: lower-case letters, digits and underscores (their internal names). */
export const HubSpotProperty = z.string().regex(/^[a-z][a-z0-9_]{0,99}$/, 'a HubSpot property internal name: lower-case letters, digits, "_"');

const hubSpotOptions = {
  create_leads: z.boolean().optional().meta({ description: 'A contact created in HubSpot becomes a lead (default true)' }),
  write_owner: z.boolean().optional().meta({ description: "An assignment writes the rep's HubSpot owner to the contact's hubspot_owner_id (default true)" }),
  overwrite_owner: z
    .boolean()
    .optional()
    .meta({ description: 'A contact that had an owner when it came in gets the assigned rep written over it (default false: it keeps its owner; route it to that owner with a CRM_OWNER rule)' }),
  routing_reason_property: HubSpotProperty.nullable()
    .optional()
    .meta({ description: 'A contact property (single-line text) that receives the one-line routing explanation with each owner written; null: none' }),
};

export const HubSpotConnectionPut = z
  .strictObject({
    portal_id: z.string().regex(/^[1-9]\d{0,19}$/, 'the HubSpot account id (Hub ID): digits').meta({ description: 'The HubSpot account (Hub ID); one organization per account' }),
    client_secret: Secret('client_secret')
      .optional()
      .meta({ description: "The app's client secret: verifies HubSpot's webhook signatures, and is the OAuth client secret. Required when connecting; omitted later, the stored one is kept" }),
    access_token: Secret('access_token').optional().meta({ description: 'A private app access token (or use oauth)' }),
    oauth: z
      .strictObject({ client_id: z.string().min(1).max(200).regex(/^\S+$/), refresh_token: Secret('refresh_token') })
      .optional()
      .meta({ description: 'A public app installed by OAuth: access tokens are refreshed with the client secret' }),
    ...hubSpotOptions,
  })
  .superRefine((v, ctx) => {
    if (v.access_token && v.oauth) ctx.addIssue({ code: 'custom', message: 'give access_token or oauth, not both', path: ['oauth'] });
  })
  .meta({ id: 'HubSpotConnectionPut' });
export type HubSpotConnectionPut = z.infer<typeof HubSpotConnectionPut>;

export const CrmStatus = z
  .object({
    last_event_at: Timestamp.nullable().meta({ description: 'The last webhook event received' }),
    last_write_at: Timestamp.nullable().meta({ description: 'The last owner written to the CRM' }),
    writes_24h: z.number().int().meta({ description: 'Owners written in the last 24 hours' }),
    failures_24h: z.number().int().meta({ description: 'Owner writes that failed for good in the last 24 hours' }),
    pending_writes: z.number().int().meta({ description: 'Owner writes waiting or being retried' }),
    last_owner_sync_at: Timestamp.nullable(),
  })
  .meta({ id: 'CrmStatus' });

const REDACTED = z.literal('********');
export const HubSpotConnection = z
  .object({
    crm: z.literal('hubspot'),
    portal_id: z.string(),
    auth: z.enum(['ACCESS_TOKEN', 'OAUTH']),
    client_secret: REDACTED,
    access_token: REDACTED.nullable(),
    oauth: z.object({ client_id: z.string(), refresh_token: REDACTED }).nullable(),
    create_leads: z.boolean(),
    write_owner: z.boolean(),
    overwrite_owner: z.boolean(),
    routing_reason_property: z.string().nullable(),
    webhook_url: z.string().meta({ description: "Where the app's webhook subscriptions send events (PUBLIC_URL + /v1/integrations/hubspot/webhook)" }),
    status: CrmStatus,
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: 'HubSpotConnection' });
export type HubSpotConnection = z.infer<typeof HubSpotConnection>;

export const Integrations = z
  .object({ hubspot: HubSpotConnection.nullable().meta({ description: 'null when HubSpot is not connected' }) })
  .meta({ id: 'Integrations' });
export type Integrations = z.infer<typeof Integrations>;

export const OwnerSyncReport = z
  .object({
    mapped: z.number().int().meta({ description: 'Reps with a CRM owner after the sync' }),
    changed: z.number().int().meta({ description: "Reps whose owner id this sync set or changed" }),
    unmapped_reps: z.array(z.object({ id: IdOf('rep'), name: z.string(), email: z.string() })).meta({ description: 'Active reps no owner matches by email' }),
    unmapped_owners: z.array(z.object({ id: z.string(), email: z.string().nullable(), name: z.string() })).meta({ description: 'Owners no active rep matches by email' }),
    synced_at: Timestamp,
  })
  .meta({ id: 'OwnerSyncReport' });
export type OwnerSyncReport = z.infer<typeof OwnerSyncReport>;

/** How a rep is known in the CRMs: set by the owner sync, or by hand. */
export const RepCrm = z
  .strictObject({
    hubspot_owner_id: z.string().regex(/^\d{1,20}$/, 'a HubSpot owner id: digits').nullable().optional().meta({ description: 'The HubSpot owner (not user) id' }),
  })
  .meta({ id: 'RepCrm' });
export type RepCrm = z.infer<typeof RepCrm>;

/**
 * HubSpot's webhook body: a JSON array of up to 100 events (their documented fields; others are kept out).
 * Validated only after the signature is.
 */
export const HubSpotWebhookEvent = z.object({
  eventId: z.union([z.number().int(), z.string().regex(/^\d{1,20}$/)]).transform(String),
  subscriptionType: z.string().max(100),
  portalId: z.union([z.number().int(), z.string().regex(/^\d{1,20}$/)]).transform(String),
  objectId: z.union([z.number().int(), z.string().regex(/^\d{1,20}$/)]).transform(String),
  occurredAt: z.number().int().optional(),
  propertyName: z.string().max(200).optional(),
  propertyValue: z.unknown().optional(),
  changeSource: z.string().max(100).optional(),
  attemptNumber: z.number().int().optional(),
});
export const HubSpotWebhookBody = z.array(HubSpotWebhookEvent).min(1).max(1000);
export type HubSpotWebhookEvent = z.output<typeof HubSpotWebhookEvent>;

export const WebhookAccepted = z
  .object({ received: z.number().int().meta({ description: 'Events taken in (each handled once, however often HubSpot sends it)' }), duplicates: z.number().int() })
  .meta({ id: 'CrmWebhookAccepted' });
