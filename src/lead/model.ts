/**
 * The lead's vocabulary, shared by every layer: statuses, reasons, timeline event types. Plain constants and
 * types (no zod, no I/O), so workflow code can import them; the API's zod schemas are built from them.
 */
export const LEAD_STATUSES = ['ROUTING', 'ASSIGNED', 'CONTACTED', 'UNASSIGNED', 'CLOSED'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

export const UNASSIGNED_REASONS = ['NO_ELIGIBLE_REP', 'NO_RULE_MATCHED', 'MAX_REASSIGNMENTS', 'ESCALATION_UNASSIGN'] as const;
export type UnassignedReason = (typeof UNASSIGNED_REASONS)[number];

/** Why a routing attempt ran; each assignment records it. */
export const ASSIGN_REASONS = ['ROUTED', 'RETRY', 'SLA_REASSIGN', 'MANUAL_REASSIGN', 'REP_UNAVAILABLE', 'REROUTE'] as const;
export type AssignReason = (typeof ASSIGN_REASONS)[number];

/** Activities that count as a first touch when the assigned rep logs them; NOTEs never do. */
export const TOUCH_TYPES = ['CALL', 'MEETING', 'EMAIL'] as const;
export const isTouchType = (type: string): boolean => (TOUCH_TYPES as readonly string[]).includes(type);

export const TIMELINE_EVENT_TYPES = [
  'RECEIVED',
  'ROUTED',
  'ASSIGNED',
  'SLA_BREACHED',
  'REMINDED',
  'ESCALATED',
  'REASSIGNED',
  'UNASSIGNED',
  'CONTACTED',
  'CLOSED',
  'ALERT',
  'NOTIFIED',
  'UPDATED',
  'CRM_SYNCED',
  'CRM_SYNC_SKIPPED',
  'CRM_SYNC_FAILED',
] as const;
export type TimelineEventType = (typeof TIMELINE_EVENT_TYPES)[number];

/** What webhooks can subscribe to. */
export const WEBHOOK_EVENTS = [
  'lead.assigned',
  'lead.reassigned',
  'lead.unassigned',
  'lead.contacted',
  'lead.sla_breached',
  'lead.reminded',
  'lead.escalated',
  'alert.raised',
  'crm.sync_failed',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Timeline events that subscribers hear about, by the name they subscribe to. */
export const WEBHOOK_EVENT_FOR: Partial<Record<TimelineEventType, WebhookEvent>> = {
  ASSIGNED: 'lead.assigned',
  REASSIGNED: 'lead.reassigned',
  UNASSIGNED: 'lead.unassigned',
  CONTACTED: 'lead.contacted',
  SLA_BREACHED: 'lead.sla_breached',
  REMINDED: 'lead.reminded',
  ESCALATED: 'lead.escalated',
};

/** How lead statistics name the ruleset's fallback, which has no rule id. */
export const FALLBACK_RULE = '(fallback)';

/** One workflow per lead, under a name the Web UI can be searched by. */
export const workflowIdFor = (leadId: string): string => `lead-${leadId}`;

/** ApplicationFailure types, one list: workflows name them as non-retryable, activities throw them. */
export const FAILURE = {
  LEAD_NOT_FOUND: 'LeadNotFound',
  WEBHOOK_NOT_ACCEPTED: 'WebhookNotAccepted',
} as const;
