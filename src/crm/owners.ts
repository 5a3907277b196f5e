import type { CrmOwnerTrace } from '../routing/schema';
import { COMPANY_OWNER_ATTRIBUTE, OWNER_ATTRIBUTE } from './hubspot/leads';

/**
 * Where a lead's CRM owners are read from (the attributes the CRM's intake wrote, or a client sent), in the
 * order CRM_OWNER tries them, and which rep id column maps them. One entry per CRM and object.
 */
const OWNER_SOURCES = [
  { crm: 'hubspot', source: 'contact', attribute: OWNER_ATTRIBUTE, repKey: 'hubspot_owner_id' },
  { crm: 'hubspot', source: 'company', attribute: COMPANY_OWNER_ATTRIBUTE, repKey: 'hubspot_owner_id' },
] as const;
export type RepCrmKey = (typeof OWNER_SOURCES)[number]['repKey'];

/** The owner ids a lead names, by the rep column that maps them. */
export function ownerIdsOf(attributes: Record<string, unknown> | null | undefined): Map<RepCrmKey, string[]> {
  const out = new Map<RepCrmKey, string[]>();
  for (const s of OWNER_SOURCES) {
    const v = attributes?.[s.attribute];
    if (typeof v === 'string' && /^\d{1,20}$/.test(v)) out.set(s.repKey, [...(out.get(s.repKey) ?? []), v]);
  }
  return out;
}

/** The lead's owners in order, each with the rep mapped to it (`reps`: per rep column, owner id → rep id). */
export function crmOwnersOf(attributes: Record<string, unknown> | null | undefined, reps: ReadonlyMap<RepCrmKey, ReadonlyMap<string, string>>): CrmOwnerTrace[] {
  const out: CrmOwnerTrace[] = [];
  for (const s of OWNER_SOURCES) {
    const v = attributes?.[s.attribute];
    if (typeof v !== 'string' || !/^\d{1,20}$/.test(v)) continue;
    out.push({ crm: s.crm, source: s.source, owner_id: v, rep_id: reps.get(s.repKey)?.get(v) ?? null });
  }
  return out;
}
