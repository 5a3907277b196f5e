import { z } from 'zod';
import { clockToMinutes } from '../routing/time';
import { canonicalTimeZone } from '../routing/timezone';
import { IdOf, PageQuery, QueryBool, Timestamp, orNull, Email, TrimmedText } from './common';
import { RepCrm } from './integrations';

export const REP_STATUSES = ['AVAILABLE', 'AWAY', 'OFFLINE'] as const;
export const RepStatus = z.enum(REP_STATUSES).meta({ id: 'RepStatus' });
export type RepStatus = z.infer<typeof RepStatus>;

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

export const Clock = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be a 24-hour time HH:MM (00:00 to 24:00)');
const Interval = z
  .tuple([Clock, Clock])
  .refine(([start, end]) => start < end, 'start must be before end (split overnight shifts across two days)')
  .meta({ minItems: 2, maxItems: 2, description: '[start, end], start before end' });
const DayHours = z
  .array(Interval)
  .max(12)
  .refine((intervals) => {
    const sorted = [...intervals].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    return sorted.every((iv, i) => i === 0 || sorted[i - 1]![1] <= iv[0]);
  }, 'intervals must not overlap');

/** Below this a business-hours SLA would stretch over centuries; nobody routes to a rep who works so little. */
const MIN_WEEKLY_MINUTES = 60;
const weeklyMinutes = (h: Partial<Record<Day, Array<[string, string]>>>) =>
  DAYS.flatMap((d) => h[d] ?? []).reduce((sum, [s, e]) => sum + clockToMinutes(e) - clockToMinutes(s), 0);

export const WorkingHours = z
  .strictObject(Object.fromEntries(DAYS.map((d) => [d, DayHours.optional()])) as Record<Day, z.ZodOptional<typeof DayHours>>)
  .refine((h) => {
    const total = weeklyMinutes(h);
    return total === 0 || total >= MIN_WEEKLY_MINUTES;
  }, `working hours must add up to at least ${MIN_WEEKLY_MINUTES} minutes a week`)
  .meta({
    id: 'WorkingHours',
    description: 'Local working intervals per weekday in the rep\'s time zone; a missing day is a day off. null means always working.',
    example: { mon: [['09:00', '17:00']], tue: [['09:00', '12:00'], ['13:00', '17:00']] },
  });
export type WorkingHours = z.infer<typeof WorkingHours>;

export const TimeZone = z
  .string()
  .transform((tz, ctx) => {
    const canonical = canonicalTimeZone(tz);
    if (!canonical) {
      ctx.addIssue({ code: 'custom', message: `unknown IANA time zone "${tz.slice(0, 64)}"` });
      return z.NEVER;
    }
    return canonical;
  })
  .meta({ description: 'IANA time zone', example: 'Europe/Berlin' });

export const OutOfOffice = z
  .array(
    z
      .strictObject({ start: Timestamp, end: Timestamp })
      .refine((p) => Date.parse(p.start) < Date.parse(p.end), { message: 'start must be before end', path: ['end'] }),
  )
  .max(100)
  .meta({ description: 'Periods when the rep receives no leads' });

const SlackUserId = z.string().regex(/^[UW][A-Z0-9]{2,20}$/, 'a Slack member id such as U024BE7LH').meta({ description: 'Slack member id: messages mention the rep' });

const NotificationPrefs = z
  .strictObject({
    email: z.boolean().optional().meta({ description: 'Reminders, escalations and new leads by email (default true)' }),
    slack: z.boolean().optional().meta({ description: 'Mentioned in Slack messages (default true)' }),
    slack_user_id: SlackUserId.nullable().optional(),
  })
  .meta({ id: 'RepNotificationPreferences', description: 'How the rep hears of leads; email false and slack false turn notifications off' });

const repFields = {
  name: TrimmedText(1, 200),
  email: Email,
  status: RepStatus,
  teams: z
    .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'team names are 1-64 letters, digits, ".", "_" or "-"'))
    .max(50)
    .refine((t) => new Set(t).size === t.length, 'teams must not repeat')
    .meta({ uniqueItems: true }),
  weight: z.number().int().min(0).max(1000).meta({ description: 'Share for WEIGHTED routing; 0 takes no WEIGHTED leads' }),
  max_open_leads: z.number().int().min(0).max(100000).nullable(),
  daily_cap: z.number().int().min(0).max(100000).nullable(),
  timezone: TimeZone,
  working_hours: orNull(WorkingHours),
  out_of_office: OutOfOffice,
  manager_id: IdOf('rep').nullable(),
  notifications: NotificationPrefs,
  crm: RepCrm,
};

export const RepCreate = z
  .strictObject({
    ...repFields,
    status: repFields.status.optional(),
    teams: repFields.teams.optional(),
    weight: repFields.weight.optional(),
    max_open_leads: repFields.max_open_leads.optional(),
    daily_cap: repFields.daily_cap.optional(),
    timezone: repFields.timezone.optional(),
    working_hours: repFields.working_hours.optional(),
    out_of_office: repFields.out_of_office.optional(),
    manager_id: repFields.manager_id.optional(),
    notifications: repFields.notifications.optional(),
    crm: repFields.crm.optional(),
  })
  .meta({ id: 'RepCreate' });
export type RepCreate = z.infer<typeof RepCreate>;

export const RepUpdate = z
  .strictObject({
    ...Object.fromEntries(Object.entries(repFields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof repFields]: z.ZodOptional<(typeof repFields)[K]>;
    },
    reassign_open_leads: z
      .boolean()
      .optional()
      .meta({ description: 'With status OFFLINE or AWAY: reroute this rep\'s open leads that have not been touched yet' }),
  })
  .meta({ id: 'RepUpdate' });
export type RepUpdate = z.infer<typeof RepUpdate>;

export const Rep = z
  .object({
    id: IdOf('rep'),
    name: z.string(),
    email: z.string(),
    status: RepStatus,
    teams: z.array(z.string()),
    weight: z.number().int(),
    max_open_leads: z.number().int().nullable(),
    daily_cap: z.number().int().nullable(),
    timezone: z.string(),
    working_hours: orNull(WorkingHours),
    out_of_office: z.array(z.object({ start: Timestamp, end: Timestamp })),
    manager_id: z.string().nullable(),
    notifications: z.object({ email: z.boolean(), slack: z.boolean(), slack_user_id: z.string().nullable() }),
    crm: z.object({ hubspot_owner_id: z.string().nullable(), salesforce_user_id: z.string().nullable() }).meta({ description: "The rep's owner id in each connected CRM (set by the owner sync, or by hand)" }),
    open_leads: z.number().int().meta({ description: 'Leads assigned to this rep and not yet closed' }),
    active: z.boolean().meta({ description: 'false once deleted; history keeps the rep' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: 'Rep' });
export type Rep = z.infer<typeof Rep>;

export const RepListQuery = PageQuery.extend({
  status: RepStatus.optional(),
  team: z.string().max(64).optional(),
  email: z.string().max(320).optional(),
  include_inactive: QueryBool.optional().meta({ description: 'Also list deleted (deactivated) reps' }),
});
export type RepListQuery = z.infer<typeof RepListQuery>;
