import type { NotificationChannel } from './kinds';
import type { Person } from './render';

/** A person who may be told, with their preferences (reps choose email, Slack, both or neither). */
export interface Recipient extends Person {
  notifyEmail: boolean;
  notifySlack: boolean;
}

/** Which channels can carry anything for this lead: email needs an SMTP server, Slack an incoming webhook. */
export interface Channels {
  email: boolean;
  slack: boolean;
}

export type Delivery =
  | { channel: Extract<NotificationChannel, 'EMAIL'>; to: Recipient | null; skipped: string | null }
  | { channel: Extract<NotificationChannel, 'SLACK'>; mentions: Recipient[] };

export const NO_EMAIL_ADDRESS = 'the recipient has no email address';
export const EMAIL_NOT_CONFIGURED = 'email is not configured (set SMTP_URL, or the organization\'s SMTP URL)';

/**
 * One email per recipient who takes email, and one Slack message per step mentioning everyone who takes
 * Slack. Nobody is dropped in silence: a recipient who cannot be emailed, or a step with nobody to tell
 * (`nobody` says why), becomes a SKIPPED notification the timeline shows.
 */
export function planDeliveries(recipients: Recipient[], channels: Channels, nobody: string): Delivery[] {
  const out: Delivery[] = [];
  if (!recipients.length) out.push({ channel: 'EMAIL', to: null, skipped: nobody });
  for (const r of recipients) {
    if (!r.notifyEmail) continue;
    out.push({ channel: 'EMAIL', to: r, skipped: !r.email ? NO_EMAIL_ADDRESS : channels.email ? null : EMAIL_NOT_CONFIGURED });
  }
  const mentions = recipients.filter((r) => r.notifySlack);
  if (channels.slack && (mentions.length || !recipients.length)) out.push({ channel: 'SLACK', mentions });
  return out;
}
