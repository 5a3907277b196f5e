import { z } from 'zod';
import { IdOf, Timestamp, orNull, TrimmedText } from './common';
import { TimeZone } from './reps';

/** smtp://[user:pass@]host[:port] (STARTTLS when the server offers it) or smtps://… (TLS from the start). */
export const SmtpUrl = z
  .string()
  .max(2000)
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'smtp:' || u.protocol === 'smtps:') && u.hostname.length > 0 && (u.pathname === '' || u.pathname === '/');
    } catch {
      return false;
    }
  }, 'must be an SMTP URL: smtp://user:password@host:587 or smtps://host:465')
  .meta({ description: 'An SMTP server as a URL: smtp://user:password@host:587 (STARTTLS) or smtps://host:465', example: 'smtp://mailer:secret@smtp.example.com:587' });

export const SlackWebhookUrl = z
  .url()
  .max(2000)
  .refine((u) => u.startsWith('https://'), 'must be an https URL (a Slack incoming webhook)')
  .meta({ description: 'A Slack incoming webhook URL', example: 'https://hooks.slack.com/services/T000/B000/XXXX' });

const Team = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'not a team name');
const MailFrom = TrimmedText(3, 320).meta({ description: 'The From of notification emails', example: 'Routeswit <routing@acme.io>' });

export const Organization = z
  .object({
    id: IdOf('org'),
    name: z.string(),
    timezone: z.string().meta({ description: 'Default time zone: notification times are written in it' }),
    escalation_contacts: z.array(IdOf('rep')).meta({ description: 'Reps told of escalations when a rep has no manager, and when routing gives up' }),
    notifications: z.object({
      notify_on_assign: z.boolean().meta({ description: 'Default for rules: tell the rep who gets a lead' }),
      notify_on_give_up: z.boolean().meta({ description: 'Default for rules: tell the escalation contacts when routing gives up' }),
      email: z.object({
        smtp_url_set: z.boolean().meta({ description: 'Whether the organization has its own SMTP server (the URL itself is write-only)' }),
        from: z.string().nullable(),
      }),
      slack: z.object({
        default_webhook_set: z.boolean().meta({ description: 'Whether a default incoming webhook is set (the URL is write-only)' }),
        team_webhooks: z.array(z.string()).meta({ description: 'Teams with an incoming webhook of their own' }),
      }),
    }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: 'Organization' });
export type Organization = z.infer<typeof Organization>;

export const OrganizationUpdate = z
  .strictObject({
    name: TrimmedText(1, 200).optional(),
    timezone: TimeZone.optional(),
    escalation_contacts: z
      .array(IdOf('rep'))
      .max(50)
      .refine((ids) => new Set(ids).size === ids.length, 'escalation contacts must not repeat')
      .meta({ uniqueItems: true })
      .optional(),
    notifications: z
      .strictObject({
        notify_on_assign: z.boolean().optional(),
        notify_on_give_up: z.boolean().optional(),
        email: z.strictObject({ smtp_url: orNull(SmtpUrl).optional(), from: MailFrom.nullable().optional() }).optional(),
        slack: z
          .strictObject({
            default_webhook_url: orNull(SlackWebhookUrl).optional(),
            team_webhook_urls: z
              .record(Team, orNull(SlackWebhookUrl))
              .refine((r) => Object.keys(r).length <= 100, 'at most 100 teams')
              .optional()
              .meta({ description: 'Per team; null removes a team\'s webhook' }),
          })
          .optional(),
      })
      .optional(),
  })
  .meta({ id: 'OrganizationUpdate' });
export type OrganizationUpdate = z.infer<typeof OrganizationUpdate>;
