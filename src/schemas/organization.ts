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

export const RETENTION_FIELDS = ['leads_days', 'audit_days', 'deliveries_days', 'notifications_days'] as const;

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
    retention: z
      .object({
        leads_days: z.number().int().meta({ description: 'Settled (CLOSED) leads, with their timeline, are deleted this many days after they closed' }),
        audit_days: z.number().int(),
        deliveries_days: z.number().int().meta({ description: 'Finished webhook deliveries' }),
        notifications_days: z.number().int().meta({ description: 'Sent or failed notifications' }),
        own: z.array(z.string()).meta({ description: "Which of them this organization set itself (the others are the server's defaults)" }),
      })
      .meta({ description: 'How long data is kept, in days: purged hourly in small batches' }),
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
    retention: z
      .strictObject(Object.fromEntries(RETENTION_FIELDS.map((f) => [f, z.number().int().min(1).max(36_500).nullable().optional()])) as Record<(typeof RETENTION_FIELDS)[number], z.ZodOptional<z.ZodNullable<z.ZodNumber>>>)
      .optional()
      .meta({ description: "Days to keep each kind, within the server's RETENTION_MIN_DAYS and RETENTION_MAX_DAYS (else 422); null goes back to the server's default" }),
  })
  .meta({ id: 'OrganizationUpdate' });
export type OrganizationUpdate = z.infer<typeof OrganizationUpdate>;
