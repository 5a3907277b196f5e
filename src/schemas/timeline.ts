import { z } from 'zod';
import { ASSIGN_REASONS, UNASSIGNED_REASONS, type TimelineEventType } from '../lead/model';
import { MATCH_SOURCES, STRATEGIES } from '../routing/schema';
import { IdOf, Timestamp } from './common';
import { NOTIFICATION_CHANNELS, NOTIFICATION_KINDS } from '../notify/kinds';

/**
 * A lead's timeline, one documented shape per event type: what each `data` holds is part of the API (and of
 * the webhook payloads that carry it). One event per fact; field names are snake_case.
 */
const RepId = z.string().nullable();
const When = Timestamp.nullable();

const ASSIGNMENT = z.object({
  reason: z.enum(ASSIGN_REASONS),
  previous_rep_id: RepId,
  rule_id: z.string().nullable(),
  strategy: z.enum(STRATEGIES).nullable(),
  sla_due_at: When.meta({ description: 'When the first touch is due; null without an SLA' }),
});

const DATA: Record<TimelineEventType, z.ZodObject> = {
  RECEIVED: z.object({ source: z.string().nullable().meta({ description: 'The lead\'s source field' }) }),
  ROUTED: z.object({
    rule_id: z.string().nullable().meta({ description: 'The rule that matched; null for the ruleset fallback or no match' }),
    source: z.enum(MATCH_SOURCES),
    strategy: z.enum(STRATEGIES).nullable(),
    ruleset_id: z.string().nullable(),
    ruleset_version: z.number().int().nullable(),
  }),
  ASSIGNED: ASSIGNMENT,
  SLA_BREACHED: z.object({ sla_due_at: Timestamp }),
  REMINDED: z.object({ sla_due_at: When.optional().meta({ description: 'The deadline the rep missed' }) }),
  ESCALATED: z.object({
    manager_id: RepId.meta({ description: 'The rep\'s manager, told of the breach (null: the escalation contacts were told)' }),
    sla_due_at: When.optional().meta({ description: 'The deadline the rep missed' }),
  }),
  REASSIGNED: ASSIGNMENT,
  UNASSIGNED: z.object({
    reason: z.enum(UNASSIGNED_REASONS),
    previous_rep_id: RepId.optional(),
    retry_at: When.optional().meta({ description: 'When the passage of time alone may make a rep eligible' }),
  }),
  CONTACTED: z.object({ activity_id: IdOf('activity'), activity_occurred_at: Timestamp }),
  CLOSED: z.object({ reason: z.string() }),
  ALERT: z.object({ reason: z.string(), message: z.string().optional() }),
  UPDATED: z.object({
    changes: z
      .record(z.string(), z.object({ from: z.unknown(), to: z.unknown() }))
      .meta({ description: 'Each changed field (attributes as attributes.<name>) with its old and new value' }),
  }),
  NOTIFIED: z.object({
    notification_id: IdOf('notification'),
    kind: z.enum(NOTIFICATION_KINDS),
    channel: z.enum(NOTIFICATION_CHANNELS),
    recipient: z.string().meta({ description: 'An email address or a Slack channel; empty when the recipient has none' }),
    recipient_rep_id: RepId,
    status: z.enum(['SENT', 'FAILED', 'SKIPPED']),
    attempts: z.number().int(),
    error: z.string().nullable(),
  }),
  CRM_SYNCED: z.object({ crm: z.string(), object_id: z.string().meta({ description: 'The CRM record (a HubSpot contact id)' }), owner_id: z.string().meta({ description: 'The owner id written' }) }),
  CRM_SYNC_SKIPPED: z.object({ crm: z.string(), object_id: z.string(), reason: z.string() }),
  CRM_SYNC_FAILED: z.object({
    crm: z.string(),
    object_id: z.string(),
    status: z.number().int().nullable().meta({ description: "The CRM's HTTP status; null when it could not be reached" }),
    reason: z.string(),
  }),
};

const DESCRIPTION: Record<TimelineEventType, string> = {
  RECEIVED: 'The lead arrived.',
  ROUTED: 'The ruleset decided (once per lead): which rule, or the fallback.',
  ASSIGNED: 'A rep got the lead.',
  SLA_BREACHED: 'The first touch did not come before the deadline.',
  REMINDED: 'A REMIND escalation: the rep was reminded.',
  ESCALATED: "A NOTIFY_MANAGER escalation: the rep's manager was told.",
  REASSIGNED: 'Another rep got the lead (SLA escalation, by hand, or the rep went offline).',
  UNASSIGNED: 'Nobody has the lead: no eligible rep, no matching rule, an UNASSIGN escalation, or max_reassignments reached.',
  CONTACTED: 'The assigned rep touched the lead (a call, meeting or email): the SLA clock stopped.',
  CLOSED: 'The lead was closed.',
  ALERT: 'Routing needs a human: it gave up, or nobody was left to take over a missed SLA.',
  UPDATED: "The lead's data changed (PATCH /v1/leads/:id): each field with its old and new value.",
  NOTIFIED: 'A notification (email or Slack) was sent, finally failed, or could not be sent (no address).',
  CRM_SYNCED: "The assigned rep's owner id was written to the lead's CRM record.",
  CRM_SYNC_SKIPPED: "The owner was not written, and why (the rep has no owner id, the record kept its owner, write_owner is off).",
  CRM_SYNC_FAILED: 'Writing the owner failed for good (the CRM refused it, or stayed unreachable through the retries); an alert was raised.',
};

export const TimelineEvent = z
  .discriminatedUnion(
    'type',
    (Object.keys(DATA) as TimelineEventType[]).map((type) =>
      z
        .object({ id: IdOf('event'), type: z.literal(type), rep_id: RepId, data: DATA[type], occurred_at: Timestamp })
        .meta({ id: `TimelineEvent${type.charAt(0)}${type.slice(1).toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase())}`, description: DESCRIPTION[type] }),
    ) as unknown as [z.ZodObject, ...z.ZodObject[]],
  )
  .meta({ id: 'TimelineEvent' });
export type TimelineEvent = z.infer<typeof TimelineEvent>;
