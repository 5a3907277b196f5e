import type { CrmModel, CrmRecord, FieldMap, LeadFromCrm } from '../connector';
import { LEAD_FIELDS, SALESFORCE_ID, STANDARD_LEAD_FIELDS, USER_ID } from './contract';

/**
 * A Salesforce Lead as a Routeswit lead (pure): the lead's fields from the Lead's standard fields, every field
 * read kept as an attribute under its API name (rules read `attributes.Rating` or `attributes.Segment__c`),
 * and the owners CRM_OWNER routes by: the Lead's own user owner, the owner of a Contact or another Lead with
 * the same email, and the owner of the Account whose Website is the lead's domain.
 */
export const EXTERNAL_ID_PREFIX = 'salesforce:lead:';
export const OWNER_ATTRIBUTE = 'salesforce_owner_id';
export const CONTACT_OWNER_ATTRIBUTE = 'salesforce_contact_owner_id';
export const ACCOUNT_OWNER_ATTRIBUTE = 'salesforce_account_owner_id';

const MAX_VALUE = 2000;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;

export const leadIdOf = (externalId: string | null | undefined): string | null => {
  const m = /^salesforce:lead:([A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?)$/.exec(externalId ?? '');
  return m ? m[1]! : null;
};

/** The host of a Website value ("https://www.acme.com/about" → acme.com), or null. */
export function domainOfWebsite(website: string | null | undefined): string | null {
  const w = website?.trim().toLowerCase();
  if (!w) return null;
  try {
    const host = new URL(/^[a-z]+:\/\//.test(w) ? w : `https://${w}`).hostname.replace(/^www\./, '');
    return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(host) ? host : null;
  } catch {
    return null;
  }
}

/**
 * The fields to read: the lead's own, the owner, and what the rules name as attributes — a custom field
 * (…__c) or a standard Lead field, since a field the org does not have fails the whole query.
 */
/** The default mapping with the connection's own on top: Salesforce field → lead field. */
export function leadFieldMap(fieldMap: FieldMap = {}): Record<string, string> {
  const out: Record<string, string> = Object.fromEntries(Object.entries(LEAD_FIELDS).filter(([, to]) => !(to in fieldMap)));
  for (const [to, from] of Object.entries(fieldMap)) out[from] = to;
  return out;
}

export function leadFields(fieldsRead: readonly string[], fieldMap?: FieldMap): string[] {
  const named = fieldsRead
    .filter((f) => f.startsWith('attributes.'))
    .map((f) => f.slice('attributes.'.length))
    .filter((f) => FIELD_NAME.test(f) && (f.endsWith('__c') || (STANDARD_LEAD_FIELDS as readonly string[]).includes(f)));
  return [...new Set(['Id', 'OwnerId', ...Object.keys(leadFieldMap(fieldMap)), ...named])].sort();
}

export function leadFromSalesforce(record: CrmRecord, hints: Readonly<Record<string, string>>, fieldMap?: FieldMap): LeadFromCrm | { ignored: string } {
  const p = record.properties;
  const map = leadFieldMap(fieldMap);
  const emailField = Object.entries(map).find(([, to]) => to === 'email')?.[0] ?? 'Email';
  const email = p[emailField]?.trim();
  if (!email) return { ignored: 'the Lead has no email address' };
  const lead: LeadFromCrm = { email, source: 'salesforce', external_id: `${EXTERNAL_ID_PREFIX}${record.id}`, attributes: {} };
  for (const [field, to] of Object.entries(map) as Array<[string, (typeof LEAD_FIELDS)[keyof typeof LEAD_FIELDS]]>) {
    const value = p[field]?.trim();
    if (!value || to === 'email') continue;
    if (to === 'employees') {
      const n = Number(value);
      if (Number.isInteger(n) && n >= 0) lead.employees = n;
    } else if (to === 'domain') {
      const d = domainOfWebsite(value);
      if (d) lead.domain = d;
    } else lead[to] = value;
  }
  for (const [name, value] of Object.entries(p)) {
    if (value === null || value === '' || name === 'Id' || name === 'OwnerId' || !FIELD_NAME.test(name)) continue;
    lead.attributes[name] = value.slice(0, MAX_VALUE);
  }
  // A queue (00G…) owns a lead nobody has taken yet: only a user is an owner.
  if (p.OwnerId && USER_ID.test(p.OwnerId)) lead.attributes[OWNER_ATTRIBUTE] = p.OwnerId;
  for (const k of [CONTACT_OWNER_ATTRIBUTE, ACCOUNT_OWNER_ATTRIBUTE]) if (hints[k] && USER_ID.test(hints[k])) lead.attributes[k] = hints[k];
  return lead;
}

export const salesforceModel: CrmModel = {
  crm: 'salesforce',
  personFields: leadFields,
  // A poll cannot say which field changed ('*'): the lead update itself finds out, and re-routes only as the rule says.
  fieldMatters: (field, fieldsRead) => field === '*' || field in LEAD_FIELDS || fieldsRead.includes(`attributes.${field}`),
  leadOf: leadFromSalesforce,
  ownerAttributes: [OWNER_ATTRIBUTE, CONTACT_OWNER_ATTRIBUTE, ACCOUNT_OWNER_ATTRIBUTE],
  ownerAtIntake: (attributes) => {
    const v = attributes?.[OWNER_ATTRIBUTE];
    return typeof v === 'string' && v !== '' ? v : null;
  },
  personIdOf: leadIdOf,
  externalIdOf: (id) => (SALESFORCE_ID.test(id) ? `${EXTERNAL_ID_PREFIX}${id}` : `${EXTERNAL_ID_PREFIX}invalid`),
};
