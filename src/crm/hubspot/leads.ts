import type { CrmModel, CrmRecord, LeadFromCrm } from '../connector';
import { COMPANY_PROPERTY, CONTACT_FIELDS, OWNER_PROPERTY } from './contract';

/**
 * A HubSpot contact as a Routeswit lead (pure): the lead's own fields from the contact's standard
 * properties, every property read kept as an attribute under its HubSpot name (so rules read
 * `attributes.lifecyclestage`), and the owners CRM_OWNER routes by.
 */
export const EXTERNAL_ID_PREFIX = 'hubspot:contact:';
export const externalIdOf = (contactId: string): string => `${EXTERNAL_ID_PREFIX}${contactId}`;

/** The contact id in a lead's external_id, for any lead whose external_id has HubSpot's form. */
export function contactIdOf(externalId: string | null | undefined): string | null {
  const m = /^hubspot:contact:(\d{1,20})$/.exec(externalId ?? '');
  return m ? m[1]! : null;
}

/** The attribute CRM_OWNER reads for the contact's company's owner (a lead has no company object of its own). */
export const COMPANY_OWNER_ATTRIBUTE = 'hubspot_company_owner_id';
export const OWNER_ATTRIBUTE = OWNER_PROPERTY;

/** Attribute names the API accepts (schemas/leads.ts); longer HubSpot names are not kept. */
const ATTRIBUTE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
const MAX_VALUE = 2000;

/**
 * The contact properties to read: the lead's fields, the owner and primary company, and those the rules name
 * as `attributes.<name>` (a HubSpot internal name is lower-case: others cannot be contact properties).
 */
export function contactProperties(fieldsRead: readonly string[]): string[] {
  const named = fieldsRead.filter((f) => f.startsWith('attributes.')).map((f) => f.slice('attributes.'.length)).filter((p) => /^[a-z][a-z0-9_]{0,99}$/.test(p));
  return [...new Set([...Object.keys(CONTACT_FIELDS), OWNER_PROPERTY, COMPANY_PROPERTY, ...named])].sort();
}

/** Whether a changed property matters: one the lead is made of, or one the rules read. */
export function propertyMatters(property: string, fieldsRead: readonly string[]): boolean {
  // The owner is Routeswit's to write: a change of it (usually our own write) re-routes nothing.
  if (property === OWNER_PROPERTY) return false;
  return property in CONTACT_FIELDS || fieldsRead.includes(`attributes.${property}`);
}

export type LeadFromContact = LeadFromCrm;

/** The lead, or why the contact makes none (a contact without an email address). */
export function leadFromContact(contact: CrmRecord, companyOwnerId: string | null): LeadFromContact | { ignored: string } {
  const p = contact.properties;
  const email = p.email?.trim();
  if (!email) return { ignored: 'the contact has no email address' };
  const lead: LeadFromContact = { email, source: 'hubspot', external_id: externalIdOf(contact.id), attributes: {} };
  for (const [property, field] of Object.entries(CONTACT_FIELDS)) {
    const value = p[property]?.trim();
    if (!value || field === 'email') continue;
    if (field === 'employees') {
      const n = Number(value);
      if (Number.isInteger(n) && n >= 0) lead.employees = n;
    } else lead[field] = value;
  }
  for (const [name, value] of Object.entries(p)) {
    if (value === null || value === '' || !ATTRIBUTE_NAME.test(name)) continue;
    lead.attributes[name] = value.slice(0, MAX_VALUE);
  }
  if (companyOwnerId) lead.attributes[COMPANY_OWNER_ATTRIBUTE] = companyOwnerId;
  return lead;
}

/** The owner a contact had when it came in: with overwrite_owner off, an owner Routeswit never replaces. */
export const ownerAtIntake = (attributes: Record<string, unknown> | null | undefined): string | null => {
  const v = attributes?.[OWNER_ATTRIBUTE];
  return typeof v === 'string' && v !== '' ? v : null;
};

/** HubSpot's people are contacts; their company's owner comes as a hint (connector.ownerHints). */
export const hubspotModel: CrmModel = {
  crm: 'hubspot',
  personFields: contactProperties,
  fieldMatters: propertyMatters,
  leadOf: (contact, hints) => leadFromContact(contact, hints[COMPANY_OWNER_ATTRIBUTE] ?? null),
  ownerAttributes: [OWNER_ATTRIBUTE, COMPANY_OWNER_ATTRIBUTE],
  ownerAtIntake,
  personIdOf: contactIdOf,
  externalIdOf,
};
