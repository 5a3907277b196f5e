import { z } from 'zod';

/**
 * The part of HubSpot's API Routeswit calls, as HubSpot documents it (developers.hubspot.com: CRM owners v3,
 * CRM objects v3 batch read and update, OAuth v1 token). HubSpot's own OpenAPI files may not be reused, so
 * this is ours: what we send is built from these types, what comes back is parsed with them (a field we do
 * not read is let through), and the fake HubSpot in test/ answers with them.
 */
export const HUBSPOT_PATHS = {
  owners: '/crm/v3/owners',
  contact: (id: string) => `/crm/v3/objects/contacts/${encodeURIComponent(id)}`,
  contactsBatchRead: '/crm/v3/objects/contacts/batch/read',
  companiesBatchRead: '/crm/v3/objects/companies/batch/read',
  token: '/oauth/v1/token',
} as const;

/** GET /crm/v3/owners?limit=100&after=…: one page of owners, `paging.next.after` while there are more. */
export const OwnersPage = z.object({
  results: z.array(
    z.object({
      id: z.string(),
      email: z.string().nullish(),
      firstName: z.string().nullish(),
      lastName: z.string().nullish(),
      userId: z.number().nullish(),
      archived: z.boolean().optional(),
    }),
  ),
  paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
});
export type OwnersPage = z.infer<typeof OwnersPage>;

/** One CRM object as HubSpot returns it: every property value is a string or null. */
export const CrmObject = z.object({
  id: z.string(),
  properties: z.record(z.string(), z.string().nullable()),
  archived: z.boolean().optional(),
});
export type CrmObject = z.infer<typeof CrmObject>;

/** POST …/batch/read: up to 100 ids; ids not found are left out of `results` (and named in `errors`, status 207). */
export const BatchReadRequest = z.object({
  properties: z.array(z.string()),
  inputs: z.array(z.object({ id: z.string() })).max(100),
});
export type BatchReadRequest = z.infer<typeof BatchReadRequest>;
export const BatchReadResponse = z.object({
  status: z.string().optional(),
  results: z.array(CrmObject),
  errors: z.array(z.object({ category: z.string().optional(), message: z.string().optional(), context: z.record(z.string(), z.array(z.string())).optional() })).optional(),
});
export type BatchReadResponse = z.infer<typeof BatchReadResponse>;

/** PATCH /crm/v3/objects/contacts/{id}: the properties to set. */
export const ObjectUpdate = z.object({ properties: z.record(z.string(), z.string()) });
export type ObjectUpdate = z.infer<typeof ObjectUpdate>;

/** POST /oauth/v1/token, form-encoded: grant_type=refresh_token, client_id, client_secret, refresh_token. */
export const TokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().optional(),
  expires_in: z.number().int().positive(),
  token_type: z.string().optional(),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

/** HubSpot's error body: `category` says what kind (RATE_LIMITS, OBJECT_NOT_FOUND, VALIDATION_ERROR …). */
export const ErrorResponse = z.object({
  status: z.string().optional(),
  message: z.string().optional(),
  category: z.string().optional(),
  correlationId: z.string().optional(),
});
export type ErrorResponse = z.infer<typeof ErrorResponse>;

/** Contact properties a lead's own fields are made from; every property read is also kept as an attribute. */
export const CONTACT_FIELDS = {
  email: 'email',
  firstname: 'first_name',
  lastname: 'last_name',
  company: 'company',
  hs_email_domain: 'domain',
  country: 'country',
  state: 'state',
  industry: 'industry',
  numemployees: 'employees',
} as const;
/** The contact's owner, and its primary company (whose owner CRM_OWNER falls back to). */
export const OWNER_PROPERTY = 'hubspot_owner_id';
export const COMPANY_PROPERTY = 'associatedcompanyid';
