import { z } from 'zod';
import { NOTIFICATION_CHANNELS, NOTIFICATION_KINDS, NOTIFICATION_STATUSES } from '../notify/kinds';
import { IdOf, PageQuery, Timestamp } from './common';

export const Notification = z
  .object({
    id: IdOf('notification'),
    lead_id: IdOf('lead'),
    kind: z.enum(NOTIFICATION_KINDS).meta({ description: 'ASSIGNED (a rep got the lead), REMINDER, ESCALATION (to the manager or escalation contacts), GIVEN_UP' }),
    channel: z.enum(NOTIFICATION_CHANNELS),
    recipient: z.string().meta({ description: 'The email address, or the Slack channel; empty when there was nobody to tell' }),
    recipient_rep_id: z.string().nullable(),
    status: z.enum(NOTIFICATION_STATUSES).meta({ description: 'PENDING (being sent, or retried), SENT, FAILED (attempts ran out: an alert was raised), SKIPPED (no address, or nobody to tell)' }),
    attempts: z.number().int(),
    last_error: z.string().nullable(),
    subject: z.string(),
    created_at: Timestamp,
    last_attempt_at: Timestamp.nullable(),
    sent_at: Timestamp.nullable(),
  })
  .meta({ id: 'Notification' });
export type Notification = z.infer<typeof Notification>;

export const NotificationDetail = Notification.extend({
  body_text: z.string().meta({ description: 'The plain-text email, or the Slack message text' }),
  body_html: z.string().nullable().meta({ description: 'The HTML email (null for Slack)' }),
  slack_blocks: z.array(z.record(z.string(), z.unknown())).nullable().meta({ description: 'The Slack message (Block Kit)' }),
}).meta({ id: 'NotificationDetail' });
export type NotificationDetail = z.infer<typeof NotificationDetail>;

export const NotificationQuery = PageQuery.extend({
  lead_id: IdOf('lead').optional(),
  rep_id: IdOf('rep').optional().meta({ description: 'Notifications to this rep' }),
  status: z.enum(NOTIFICATION_STATUSES).optional(),
});
export type NotificationQuery = z.infer<typeof NotificationQuery>;
