import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Imported by workflow code, the client and the dev server: definitions only, no I/O.
export const SA = {
  orgId: defineSearchAttributeKey('RouteswitOrgId', SearchAttributeType.KEYWORD),
  leadId: defineSearchAttributeKey('RouteswitLeadId', SearchAttributeType.KEYWORD),
  repId: defineSearchAttributeKey('RouteswitRepId', SearchAttributeType.KEYWORD),
  leadStatus: defineSearchAttributeKey('RouteswitLeadStatus', SearchAttributeType.KEYWORD),
  /** When the current first touch is due (absent without an SLA): `RouteswitSlaDueAt < "2026-12-01T00:00:00Z"`. */
  slaDueAt: defineSearchAttributeKey('RouteswitSlaDueAt', SearchAttributeType.DATETIME),
  /** The rule that routed the lead ("(fallback)" for the ruleset's fallback). */
  ruleId: defineSearchAttributeKey('RouteswitRuleId', SearchAttributeType.KEYWORD),
  unassignedReason: defineSearchAttributeKey('RouteswitUnassignedReason', SearchAttributeType.KEYWORD),
} as const;

export const ALL_SEARCH_ATTRIBUTES = Object.values(SA);

/** The type names Temporal's CLI and operator API use when registering them. */
export const SEARCH_ATTRIBUTE_TYPE_NAMES: Record<string, 'Keyword' | 'Datetime'> = Object.fromEntries(
  ALL_SEARCH_ATTRIBUTES.map((sa) => [sa.name, sa.type === SearchAttributeType.DATETIME ? 'Datetime' : 'Keyword']),
);
