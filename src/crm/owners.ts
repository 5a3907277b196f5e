import type { CrmOwnerTrace } from '../routing/schema';
import type { RepCrmKey } from './connector';
import { COMPANY_OWNER_ATTRIBUTE, OWNER_ATTRIBUTE } from './hubspot/leads';
import { USER_ID } from './salesforce/contract';
import { ACCOUNT_OWNER_ATTRIBUTE, CONTACT_OWNER_ATTRIBUTE, OWNER_ATTRIBUTE as SF_OWNER_ATTRIBUTE } from './salesforce/leads';

export type { RepCrmKey };

/**
 * Where a lead's CRM owners are read from (the attributes the CRM's intake wrote, or a client sent), in the
 * order CRM_OWNER tries them, and which rep id column maps them. One entry per CRM and object.
 */
const HUBSPOT_OWNER = /^\d{1,20}$/;
const OWNER_SOURCES = [
  { crm: 'hubspot', source: 'contact', attribute: OWNER_ATTRIBUTE, repKey: 'hubspot_owner_id', pattern: HUBSPOT_OWNER },
  { crm: 'hubspot', source: 'company', attribute: COMPANY_OWNER_ATTRIBUTE, repKey: 'hubspot_owner_id', pattern: HUBSPOT_OWNER },
  { crm: 'salesforce', source: 'contact', attribute: SF_OWNER_ATTRIBUTE, repKey: 'salesforce_user_id', pattern: USER_ID },
  { crm: 'salesforce', source: 'contact', attribute: CONTACT_OWNER_ATTRIBUTE, repKey: 'salesforce_user_id', pattern: USER_ID },
  { crm: 'salesforce', source: 'company', attribute: ACCOUNT_OWNER_ATTRIBUTE, repKey: 'salesforce_user_id', pattern: USER_ID },
] as const satisfies ReadonlyArray<{ crm: string; source: CrmOwnerTrace['source']; attribute: string; repKey: RepCrmKey; pattern: RegExp }>;

/** The owner ids a lead names, by the rep column that maps them. */
export function ownerIdsOf(attributes: Record<string, unknown> | null | undefined): Map<RepCrmKey, string[]> {
  const out = new Map<RepCrmKey, string[]>();
  for (const s of OWNER_SOURCES) {
    const v = attributes?.[s.attribute];
    if (typeof v === 'string' && s.pattern.test(v)) out.set(s.repKey, [...(out.get(s.repKey) ?? []), v]);
  }
  return out;
}

/** The lead's owners in order, each with the rep mapped to it (`reps`: per rep column, owner id → rep id). */
export function crmOwnersOf(attributes: Record<string, unknown> | null | undefined, reps: ReadonlyMap<RepCrmKey, ReadonlyMap<string, string>>): CrmOwnerTrace[] {
  const out: CrmOwnerTrace[] = [];
  for (const s of OWNER_SOURCES) {
    const v = attributes?.[s.attribute];
    if (typeof v !== 'string' || !s.pattern.test(v)) continue;
    out.push({ crm: s.crm, source: s.source, owner_id: v, rep_id: reps.get(s.repKey)?.get(v) ?? null });
  }
  return out;
}
