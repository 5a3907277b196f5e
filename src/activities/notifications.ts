import { outboxAttempts } from '../metrics/metrics';
import fs from 'node:fs';
import { ApplicationFailure } from '@temporalio/activity';
import type { Config } from '../config';
import { openText, parseKeyring } from '../crypto/keyring';
import type { Db } from '../db/knex';
import { findLead } from '../db/leads';
import { insertAlert } from '../db/monitors';
import { findNotification, markFailed, recordAttempt, type NotificationRow } from '../db/notifications';
import { findOrg, type OrgRow } from '../db/orgs';
import { enqueueDeliveries } from '../db/webhooks';
import { newId } from '../ids';
import { describeMailFailure, sendMail, type SmtpTarget } from '../net/mail';
import { describeFailure, outboundPolicy } from '../net/outbound';
import { describeSlackFailure, sendSlack } from '../net/slack';
import { recordNotified, type NotifyDeps } from './notify';
import { senderFor, senderPolicy, type SenderPolicy } from '../notify/sender';

/** How notifications go out: the server's SMTP server and From, extra CAs for HTTPS, and links back. */
export interface NotificationSettings extends NotifyDeps {
  smtpUrl?: string;
  sender: SenderPolicy;
  outboundCa?: string;
}

export function notificationSettings(config: Pick<Config, 'SMTP_URL' | 'MAIL_FROM' | 'MAIL_FROM_DOMAINS' | 'OUTBOUND_CA_FILE' | 'PUBLIC_API_URL' | 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>): NotificationSettings {
  return {
    smtpUrl: config.SMTP_URL,
    smtpConfigured: Boolean(config.SMTP_URL),
    sender: senderPolicy(config.MAIL_FROM, config.MAIL_FROM_DOMAINS),
    outboundCa: config.OUTBOUND_CA_FILE ? fs.readFileSync(config.OUTBOUND_CA_FILE, 'utf8') : undefined,
    publicApiUrl: config.PUBLIC_API_URL,
    temporalUiUrl: config.TEMPORAL_UI_URL,
    namespace: config.TEMPORAL_NAMESPACE,
  };
}

export const NOTIFICATION_NOT_SENT = 'NotificationNotSent';

export function notificationActivities(db: Db, deps: { outboundTargets: string; encryptionKeys?: string; notifications: NotificationSettings }) {
  const policy = outboundPolicy(deps.outboundTargets);
  const keyring = deps.encryptionKeys ? parseKeyring(deps.encryptionKeys) : null;
  const secret = (stored: string) => (keyring ? openText(keyring, stored) : stored);
  const s = deps.notifications;

  /** Settings may have changed since the notification was queued: the current ones apply. */
  function smtpTarget(org: OrgRow): SmtpTarget {
    if (org.smtp_url) return { url: secret(org.smtp_url), guarded: true };
    if (s.smtpUrl) return { url: s.smtpUrl, guarded: false };
    throw ApplicationFailure.nonRetryable('email is not configured (set SMTP_URL, or the organization\'s SMTP URL)', NOTIFICATION_NOT_SENT);
  }

  async function slackUrl(org: OrgRow, n: NotificationRow): Promise<string> {
    const team = (await findLead(db, n.org_id, n.lead_id))?.team;
    const stored = (team ? org.team_slack_webhook_urls[team] : undefined) ?? org.slack_webhook_url;
    if (!stored) throw ApplicationFailure.nonRetryable('Slack is no longer configured for this organization', NOTIFICATION_NOT_SENT);
    return secret(stored);
  }

  async function send(n: NotificationRow, org: OrgRow): Promise<void> {
    if (n.channel === 'EMAIL') {
      const target = smtpTarget(org);
      const sender = senderFor(org.mail_from, target.guarded, s.sender);
      await sendMail(target, policy, { ...sender, to: n.recipient, subject: n.subject, text: n.body_text, html: n.body_html ?? n.body_text });
    } else {
      await sendSlack(await slackUrl(org, n), n.slack_message ?? { text: n.body_text, blocks: [] }, policy, s.outboundCa);
    }
  }

  const describe = (err: unknown): string => {
    if (err instanceof ApplicationFailure) return err.message;
    const slack = describeSlackFailure(err);
    if (slack) return 'said' in slack ? slack.said : describeFailure(slack.cause);
    const mail = describeMailFailure(err);
    return typeof mail === 'string' ? mail : describeFailure(mail ?? err);
  };

  return {
    /**
     * One attempt to send the notification, recorded on it. A failure throws and Temporal retries with
     * backoff (see the notification workflow); success writes the NOTIFIED event. A notification no longer
     * PENDING (sent, or failed for good) is not sent again.
     */
    async sendNotification({ notificationId }: { notificationId: string }): Promise<'SENT' | 'DONE'> {
      const n = await findNotification(db, notificationId);
      if (!n || n.status !== 'PENDING') return 'DONE';
      const org = await findOrg(db, n.org_id);
      if (!org) return 'DONE';
      try {
        await send(n, org);
      } catch (err) {
        const error = describe(err);
        await recordAttempt(db, n.id, error);
        outboxAttempts.inc({ outbox: 'notifications', result: 'failed' });
        if (err instanceof ApplicationFailure) throw err;
        throw ApplicationFailure.retryable(error, NOTIFICATION_NOT_SENT);
      }
      await db.transaction(async (trx) => {
        const sent = await recordAttempt(trx, n.id, null);
        if (sent) await recordNotified(trx, sent);
      });
      outboxAttempts.inc({ outbox: 'notifications', result: 'ok' });
      return 'SENT';
    },

    /** The attempts ran out: FAILED, on the timeline, and an alert (announced to webhooks) for a human. */
    async notificationFailed({ notificationId }: { notificationId: string }): Promise<void> {
      await db.transaction(async (trx) => {
        const n = await markFailed(trx, notificationId);
        if (!n) return;
        outboxAttempts.inc({ outbox: 'notifications', result: 'gave_up' });
        await recordNotified(trx, n);
        const alertId = newId('alert');
        const to = n.recipient || 'nobody';
        const message = `A ${n.kind.toLowerCase()} ${n.channel === 'EMAIL' ? 'email' : 'Slack message'} to ${to} about lead ${n.lead_id} could not be sent after ${n.attempts} attempt(s): ${n.last_error ?? 'unknown error'}`;
        const at = new Date();
        await insertAlert(trx, { id: alertId, org_id: n.org_id, monitor_id: null, kind: 'NOTIFICATION_FAILED', message, value: n.attempts, threshold: null, raised_at: at });
        await enqueueDeliveries(trx, n.org_id, 'alert.raised', alertId, { alert_id: alertId, kind: 'NOTIFICATION_FAILED', message, notification_id: n.id, lead_id: n.lead_id }, at);
      });
    },
  };
}
export type NotificationActivities = ReturnType<typeof notificationActivities>;
