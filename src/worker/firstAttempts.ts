import type { Db } from '../db/knex';
import type { OutboxTable } from '../db/outbox';
import { notificationActivities, type NotificationSettings } from '../activities/notifications';
import { webhookActivities } from '../activities/webhooks';

/** One attempt at an outbox row, recorded on it: true when it is settled (sent, or nothing left to send). */
export type FirstAttempts = Record<OutboxTable, (id: string) => Promise<boolean>>;

/**
 * The dispatcher's first attempt at each delivery and notification, made by the very activities their workflows
 * run. Most receivers accept the first time: a workflow per row (a start, a workflow task, an activity task)
 * cost each of them as much as a lead's whole routing, and at half the platform's rate a lead with a webhook
 * and a Slack message waited 20 s in the queue. A row whose attempt fails gets its workflow, which retries with
 * backoff and gives up as before.
 */
export function firstAttempts(db: Db, deps: { outboundTargets: string; encryptionKeys?: string; notifications: NotificationSettings }): FirstAttempts {
  const { deliverWebhook } = webhookActivities(db, { ...deps, outboundCa: deps.notifications.outboundCa });
  const { sendNotification } = notificationActivities(db, deps);
  return {
    webhook_deliveries: (id) => deliverWebhook({ deliveryId: id }).then(() => true, () => false),
    notifications: (id) => sendNotification({ notificationId: id }).then(() => true, () => false),
  };
}
