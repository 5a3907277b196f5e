import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Imported by workflow code, the client and the dev server: definitions only, no I/O.
export const SA = {
  orgId: defineSearchAttributeKey('RouteswitOrgId', SearchAttributeType.KEYWORD),
  leadId: defineSearchAttributeKey('RouteswitLeadId', SearchAttributeType.KEYWORD),
  repId: defineSearchAttributeKey('RouteswitRepId', SearchAttributeType.KEYWORD),
  leadStatus: defineSearchAttributeKey('RouteswitLeadStatus', SearchAttributeType.KEYWORD),
} as const;

export const ALL_SEARCH_ATTRIBUTES = Object.values(SA);
