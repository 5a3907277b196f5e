import { z } from 'zod';

/**
 * The part of Salesforce's REST API Routeswit calls, as Salesforce documents it (REST API Developer Guide:
 * query, sObject rows, OAuth 2.0 refresh token flow; errors as an array of {message, errorCode}). What we send
 * is built from these, what comes back is parsed with them, and the fake Salesforce in test/ answers with them.
 */
export const SALESFORCE_PATHS = {
  token: '/services/oauth2/token',
  query: (v: string) => `/services/data/${v}/query`,
  lead: (v: string, id: string) => `/services/data/${v}/sobjects/Lead/${encodeURIComponent(id)}`,
} as const;

/** A Salesforce record id: 15 characters, or 18 with the case-safe suffix. */
export const SALESFORCE_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;
/** A user (not a queue, 00G…): only users can be written as a lead's owner by a rep mapping. */
export const USER_ID = /^005[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/;

/** POST /services/oauth2/token (grant_type=refresh_token): where the org's API lives comes with the token. */
export const TokenResponse = z.object({
  access_token: z.string().min(1),
  instance_url: z.url(),
  token_type: z.string().optional(),
  issued_at: z.string().optional(),
  id: z.string().optional(),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

/** GET …/query?q=SOQL: a page of records, `nextRecordsUrl` (a path on the instance) while more remain. */
export const QueryResult = z.object({
  totalSize: z.number().int(),
  done: z.boolean(),
  nextRecordsUrl: z.string().startsWith('/services/data/').optional(),
  records: z.array(z.record(z.string(), z.unknown())),
});
export type QueryResult = z.infer<typeof QueryResult>;

/** Every error answer: a list of {message, errorCode} (INVALID_SESSION_ID, REQUEST_LIMIT_EXCEEDED, ENTITY_IS_DELETED …). */
export const ErrorResponse = z.array(z.object({ message: z.string(), errorCode: z.string(), fields: z.array(z.string()).optional() }));
export type ErrorResponse = z.infer<typeof ErrorResponse>;

/** The Lead fields a lead's own fields come from, by default; every field read is also kept as an attribute. */
export const LEAD_FIELDS = {
  Email: 'email',
  FirstName: 'first_name',
  LastName: 'last_name',
  Company: 'company',
  Website: 'domain',
  Country: 'country',
  State: 'state',
  LeadSource: 'source',
  Industry: 'industry',
  NumberOfEmployees: 'employees',
} as const;

/** Standard Lead fields a rule may read as attributes.<Name> (a custom field ends in __c). */
export const STANDARD_LEAD_FIELDS = ['Title', 'Rating', 'Status', 'Phone', 'City', 'PostalCode', 'AnnualRevenue', 'Description', 'Salutation', 'Street'] as const;

/** A SOQL string literal: backslash and quote escaped, as the SOQL reference says. */
export const soqlString = (v: string): string => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
