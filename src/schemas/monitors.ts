import { z } from 'zod';
import { IdOf, PageQuery, QueryBool, Timestamp, TrimmedText } from './common';

const Team = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'not a team name');

export const BreachRateParams = z
  .strictObject({
    team: Team.optional().meta({ description: 'Only leads routed to this team' }),
    window_minutes: z.number().int().min(5).max(10_080).meta({ description: 'Look back this far' }),
    threshold: z.number().min(0).max(1).meta({ description: 'Breach when breached / (met + breached) rises above this, e.g. 0.1' }),
    min_leads: z.number().int().min(1).max(100_000).default(1).meta({ description: 'Decided SLAs needed before the rate counts' }),
  })
  .meta({ id: 'BreachRateParams' });

export const UnassignedAgeParams = z
  .strictObject({
    minutes: z.number().int().min(1).max(10_080).meta({ description: 'Breach when any lead has waited UNASSIGNED longer than this' }),
    team: Team.optional(),
  })
  .meta({ id: 'UnassignedAgeParams' });

export const RepOpenUntouchedParams = z
  .strictObject({
    rep_id: IdOf('rep'),
    max: z.number().int().min(0).max(100_000).meta({ description: 'Breach when the rep has more open leads not yet touched than this' }),
  })
  .meta({ id: 'RepOpenUntouchedParams' });

const Interval = z.number().int().min(1).max(1440).meta({ description: 'How often the monitor is evaluated (its Temporal Schedule)' });
const Name = TrimmedText(1, 200);

export const MonitorCreate = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('BREACH_RATE'), name: Name, params: BreachRateParams, interval_minutes: Interval.default(5), paused: z.boolean().default(false) }),
    z.strictObject({ kind: z.literal('UNASSIGNED_AGE'), name: Name, params: UnassignedAgeParams, interval_minutes: Interval.default(5), paused: z.boolean().default(false) }),
    z.strictObject({ kind: z.literal('REP_OPEN_UNTOUCHED'), name: Name, params: RepOpenUntouchedParams, interval_minutes: Interval.default(5), paused: z.boolean().default(false) }),
  ])
  .meta({ id: 'MonitorCreate' });
export type MonitorCreate = z.infer<typeof MonitorCreate>;
export type MonitorKind = MonitorCreate['kind'];
export type MonitorParams = MonitorCreate['params'];

export const MonitorUpdate = z
  .strictObject({
    name: Name.optional(),
    params: z.record(z.string(), z.unknown()).optional().meta({ description: "The kind's parameters, whole (validated as on create)" }),
    interval_minutes: Interval.optional(),
    paused: z.boolean().optional(),
  })
  .meta({ id: 'MonitorUpdate' });
export type MonitorUpdate = z.infer<typeof MonitorUpdate>;

export const PARAMS_FOR = { BREACH_RATE: BreachRateParams, UNASSIGNED_AGE: UnassignedAgeParams, REP_OPEN_UNTOUCHED: RepOpenUntouchedParams } as const;

export const Monitor = z
  .object({
    id: IdOf('monitor'),
    name: z.string(),
    kind: z.enum(['BREACH_RATE', 'UNASSIGNED_AGE', 'REP_OPEN_UNTOUCHED']),
    params: z.record(z.string(), z.unknown()),
    interval_minutes: z.number().int(),
    paused: z.boolean(),
    state: z.enum(['OK', 'BREACHING']),
    last_value: z.number().nullable(),
    last_evaluated_at: Timestamp.nullable(),
    schedule_id: z.string().meta({ description: 'The Temporal Schedule that evaluates it' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: 'SlaMonitor' });
export type Monitor = z.infer<typeof Monitor>;

export const Alert = z
  .object({
    id: IdOf('alert'),
    monitor_id: z.string().nullable(),
    kind: z.string().meta({ description: 'The monitor\'s kind, or NOTIFICATION_FAILED for a notification that could not be sent' }),
    message: z.string(),
    value: z.number().nullable(),
    threshold: z.number().nullable(),
    raised_at: Timestamp,
    resolved_at: Timestamp.nullable(),
  })
  .meta({ id: 'Alert' });
export type Alert = z.infer<typeof Alert>;

export const AlertListQuery = PageQuery.extend({ open: QueryBool.optional().meta({ description: 'true: only alerts not yet resolved' }) });
export type AlertListQuery = z.infer<typeof AlertListQuery>;

export const Digest = z
  .object({
    id: IdOf('digest'),
    day: z.string().meta({ description: 'The UTC day it covers' }),
    breaches: z.number().int(),
    items: z.array(z.object({ lead_id: z.string(), rep_id: z.string().nullable(), breached_at: Timestamp })),
    created_at: Timestamp,
  })
  .meta({ id: 'Digest' });
export type Digest = z.infer<typeof Digest>;
