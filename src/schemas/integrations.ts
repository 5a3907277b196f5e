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
export type CrmStatus = z.infer<typeof CrmStatus>;

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

export const SALESFORCE_INTAKES = ['outbound_messages', 'polling', 'both'] as const;
const SALESFORCE_MAPPABLE = ['email', 'first_name', 'last_name', 'company', 'domain', 'country', 'state', 'source', 'industry', 'employees'] as const;
const SalesforceField = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/, 'a Salesforce field API name, e.g. Routeswit_Reason__c');

export const SalesforceConnectionPut = z
  .strictObject({
    organization_id: z
      .string()
      .regex(/^00D[A-Za-z0-9]{15}$/, 'the 18-character Salesforce org id (00D…): Setup → Company Information')
      .meta({ description: 'The Salesforce org (18 characters); one organization here per Salesforce org' }),
    client_id: z.string().min(1).max(300).regex(/^\S+$/).meta({ description: "The connected app's consumer key" }),
    client_secret: Secret('client_secret').optional().meta({ description: "The connected app's consumer secret. Required when connecting; omitted later, the stored one is kept" }),
    refresh_token: Secret('refresh_token').optional().meta({ description: 'From the web-server OAuth flow with the scopes api and refresh_token. Required when connecting' }),
    api_version: z.string().regex(/^v\d{2,3}\.0$/, 'a REST API version such as v62.0').optional().meta({ description: 'The REST API version (default v62.0)' }),
    create_leads: z.boolean().optional().meta({ description: 'A Lead created in Salesforce becomes a lead (default true)' }),
    write_owner: z.boolean().optional().meta({ description: "An assignment writes the rep's Salesforce user as the Lead's OwnerId (default true)" }),
    overwrite_owner: z
      .boolean()
      .optional()
      .meta({ description: 'A Lead a user owned when it came in gets the assigned rep written over it (default false: a Lead owned by a queue is always written)' }),
    routing_reason_field: SalesforceField.nullable().optional().meta({ description: 'A Lead text field (e.g. a custom field Routeswit_Reason__c) that receives the one-line routing explanation; null: none' }),
    intake: z
      .enum(SALESFORCE_INTAKES)
      .optional()
      .meta({
        description:
          'How Leads come in (default outbound_messages): outbound_messages (a flow or workflow rule on Lead create sends them to outbound_message_url), polling (Routeswit asks every poll_seconds for Leads created or changed since the last poll), or both (each Lead still becomes one lead)',
      }),
    poll_seconds: z.number().int().min(15).max(3600).optional().meta({ description: 'With polling: seconds between polls (default 60)' }),
    field_map: z
      .partialRecord(z.enum(SALESFORCE_MAPPABLE), SalesforceField)
      .optional()
      .meta({
        description:
          'Where a lead field comes from when not the default (email: Email, first_name: FirstName, last_name: LastName, company: Company, domain: Website, country: Country, state: State, source: LeadSource, industry: Industry, employees: NumberOfEmployees), e.g. {"country": "Billing_Country__c"}',
      }),
    rotate_outbound_token: z.boolean().optional().meta({ description: 'true: a new outbound message token (the answer shows the new URL once; the old one stops working)' }),
  })
  .meta({ id: 'SalesforceConnectionPut' });
export type SalesforceConnectionPut = z.infer<typeof SalesforceConnectionPut>;

export const SalesforceConnection = z
  .object({
    crm: z.literal('salesforce'),
    organization_id: z.string(),
    client_id: z.string(),
    client_secret: REDACTED,
    refresh_token: REDACTED,
    api_version: z.string(),
    create_leads: z.boolean(),
    write_owner: z.boolean(),
    overwrite_owner: z.boolean(),
    routing_reason_field: z.string().nullable(),
    intake: z.enum(SALESFORCE_INTAKES),
    poll_seconds: z.number().int(),
    field_map: z.record(z.string(), z.string()),
    last_poll_at: Timestamp.nullable(),
    instance_url: z.string().nullable().meta({ description: 'Where the org\'s API is, from the last token (null before the first call)' }),
    outbound_message_url: z
      .string()
      .nullable()
      .meta({
        description:
          'The endpoint URL for the outbound message. It carries a secret token: shown in full when made (first PUT, or rotate_outbound_token), redacted (token=********) after; null on an idempotent replay of the PUT',
      }),
    status: CrmStatus,
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: 'SalesforceConnection' });
export type SalesforceConnection = z.infer<typeof SalesforceConnection>;

export const Integrations = z
  .object({
    hubspot: HubSpotConnection.nullable().meta({ description: 'null when HubSpot is not connected' }),
    salesforce: SalesforceConnection.nullable().meta({ description: 'null when Salesforce is not connected' }),
  })
  .meta({ id: 'Integrations' });
export type Integrations = z.infer<typeof Integrations>;

export const OwnerSyncReport = z
  .object({
    mapped: z.number().int().meta({ description: 'Reps with a CRM owner after the sync' }),
    changed: z.number().int().meta({ description: "Reps whose owner id this sync set or changed" }),
    unmapped_reps: z.array(z.object({ id: IdOf('rep'), name: z.string(), email: z.string() })).meta({ description: 'Active reps no owner matches by email' }),
    unmapped_owners: z.array(z.object({ id: z.string(), email: z.string().nullable(), name: z.string() })).meta({ description: 'Owners no active rep matches by email' }),
    inactive_owners: z
      .array(z.object({ rep_id: IdOf('rep'), owner_id: z.string() }))
      .meta({ description: 'Reps whose CRM id is no active owner any more (a deactivated user): the id was taken off them, so no lead is written to it' }),
    synced_at: Timestamp,
  })
  .meta({ id: 'OwnerSyncReport' });
export type OwnerSyncReport = z.infer<typeof OwnerSyncReport>;

/** How a rep is known in the CRMs: set by the owner sync, or by hand. */
export const RepCrm = z
  .strictObject({
    hubspot_owner_id: z.string().regex(/^\d{1,20}$/, 'a HubSpot owner id: digits').nullable().optional().meta({ description: 'The HubSpot owner (not user) id' }),
    salesforce_user_id: z
      .string()
      .regex(/^005[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/, 'a Salesforce user id: 005 and 12 or 15 more letters and digits')
      .nullable()
      .optional()
      .meta({ description: 'The Salesforce user (005…) written as OwnerId' }),
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
