import { z } from 'zod';
import { clockToMinutes } from '../routing/time';
import { IdOf, OptionalText, PageQuery, Timestamp, TrimmedText } from './common';
import { Clock, TimeZone } from './reps';

export const CALENDAR_SCOPES = ['ORGANIZATION', 'TEAM', 'REP'] as const;
export const CLOSURES_MAX = 1000;

const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
  .refine((d) => {
    const t = new Date(`${d}T00:00:00Z`);
    return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d && d >= '2000-01-01' && d <= '2100-12-31';
  }, 'not a calendar date between 2000-01-01 and 2100-12-31')
  .meta({ format: 'date', example: '2026-12-24' });

export const Closure = z
  .strictObject({
    date: IsoDate,
    name: OptionalText(200),
    from: Clock.optional().meta({ description: 'A half day: closed from this local time (default 00:00)' }),
    to: Clock.optional().meta({ description: 'Closed until this local time (default 24:00)' }),
  })
  .refine((c) => clockToMinutes(c.from ?? '00:00') < clockToMinutes(c.to ?? '24:00'), { message: 'from must be before to', path: ['to'] })
  .meta({ id: 'Closure', description: 'A day (or part of one) when nobody it applies to works, in the calendar\'s time zone' });
export type Closure = z.infer<typeof Closure>;

/** The closures, with each overlap between two of them on the same day reported at the later one. */
const Closures = z
  .array(Closure)
  .max(CLOSURES_MAX)
  .superRefine((closures, ctx) => {
    const span = (c: Closure) => [clockToMinutes(c.from ?? '00:00'), clockToMinutes(c.to ?? '24:00')] as const;
    closures.forEach((c, j) => {
      const [s, e] = span(c);
      const i = closures.findIndex((o, k) => k < j && o.date === c.date && span(o)[0] < e && s < span(o)[1]);
      if (i >= 0) ctx.addIssue({ code: 'custom', message: `overlaps closures[${i}] on ${c.date}`, path: [j] });
    });
  })
  .meta({ description: `Up to ${CLOSURES_MAX}; two closures of one day must not overlap` });

const scopeFields = {
  scope: z.enum(CALENDAR_SCOPES).meta({ description: 'Whom it applies to: every rep of the organization, a team\'s reps, or one rep' }),
  team: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'not a team name').optional().meta({ description: 'TEAM: the team' }),
  rep_id: IdOf('rep').optional().meta({ description: 'REP: the rep' }),
};

function checkScope(c: { scope?: string; team?: string; rep_id?: string }, ctx: z.RefinementCtx): void {
  const issue = (message: string, path: string) => ctx.addIssue({ code: 'custom', message, path: [path] });
  if (c.scope === 'TEAM' && !c.team) issue('TEAM needs team', 'team');
  if (c.scope === 'REP' && !c.rep_id) issue('REP needs rep_id', 'rep_id');
  if (c.scope !== 'TEAM' && c.team) issue(`${c.scope} takes no team`, 'team');
  if (c.scope !== 'REP' && c.rep_id) issue(`${c.scope} takes no rep_id`, 'rep_id');
}

export const CalendarCreate = z
  .strictObject({ name: TrimmedText(1, 200), timezone: TimeZone, ...scopeFields, closures: Closures.default([]) })
  .superRefine(checkScope)
  .meta({ id: 'CalendarCreate' });
export type CalendarCreate = z.infer<typeof CalendarCreate>;

export const CalendarUpdate = z
  .strictObject({ name: TrimmedText(1, 200).optional(), timezone: TimeZone.optional(), closures: Closures.optional() })
  .meta({ id: 'CalendarUpdate', description: 'Fields to change; closures replace the old ones. Whom a calendar applies to does not change: create another' });
export type CalendarUpdate = z.infer<typeof CalendarUpdate>;

export const Calendar = z
  .object({
    id: IdOf('calendar'),
    name: z.string(),
    timezone: z.string(),
    scope: z.enum(CALENDAR_SCOPES),
    team: z.string().nullable(),
    rep_id: z.string().nullable(),
    closures: z.array(Closure),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({
    id: 'Calendar',
    description:
      "Holidays and half days. A rep's working time is their working hours minus the closures of every calendar that applies to them (organization, team, own); " +
      'business-hours SLAs and escalations count only working time, and respect_working_hours skips reps who are closed (HOLIDAY).',
  });
export type Calendar = z.infer<typeof Calendar>;

export const CalendarListQuery = PageQuery.extend({
  scope: z.enum(CALENDAR_SCOPES).optional(),
  rep_id: IdOf('rep').optional().meta({ description: 'Calendars that apply to this rep (organization, their teams, their own)' }),
});
export type CalendarListQuery = z.infer<typeof CalendarListQuery>;
