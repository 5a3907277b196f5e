import { z } from 'zod';
import { Timestamp, TimestampInput } from './common';

const Team = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'not a team name');

export const WindowQuery = z
  .object({
    from: TimestampInput.optional().meta({ description: 'Start of the window (leads received at or after); default 7 days ago' }),
    to: TimestampInput.optional().meta({ description: 'End of the window (received before); default now' }),
    team: Team.optional().meta({ description: 'Only leads routed to this team, and its reps' }),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), { message: 'from must be before to', path: ['to'] });
export type WindowQuery = z.infer<typeof WindowQuery>;

const Percentiles = z.object({ p50: z.number().nullable(), p90: z.number().nullable() }).meta({ description: 'Milliseconds; within 2.5% (log-scale histogram)' });

export const Summary = z
  .object({
    from: TimestampInput,
    to: TimestampInput,
    team: z.string().nullable(),
    leads: z.object({ received: z.number().int(), assigned: z.number().int(), unassigned: z.number().int(), contacted: z.number().int(), closed: z.number().int() }),
    time_to_assignment_ms: Percentiles,
    time_to_first_touch_ms: Percentiles,
    sla: z.object({
      met: z.number().int().meta({ description: 'First touch before any breach' }),
      breached: z.number().int(),
      pending: z.number().int().meta({ description: 'SLA running: neither touched nor breached' }),
      rate: z.number().nullable().meta({ description: 'met / (met + breached)' }),
    }),
    reassignments: z.number().int(),
    reps: z.array(
      z.object({
        rep_id: z.string(),
        name: z.string(),
        assigned: z.number().int().meta({ description: 'Assignments made to the rep in the window' }),
        contacted: z.number().int(),
        breached: z.number().int().meta({ description: 'SLA breaches while the rep held the lead' }),
        median_first_touch_ms: z.number().nullable().meta({ description: 'Within 5%' }),
        open_leads: z.number().int().meta({ description: 'Now' }),
      }),
    ),
    rules: z.array(z.object({ rule_id: z.string(), matches: z.number().int(), share: z.number() })),
    activities: z.array(z.object({ type: z.string(), outcome: z.string().nullable(), count: z.number().int() })),
    fairness: z.array(
      z.object({
        team: z.string(),
        max: z.number().int(),
        min: z.number().int(),
        ratio: z.number().nullable().meta({ description: 'max / min leads per active rep of the team; null when a rep got none' }),
      }),
    ),
  })
  .meta({ id: 'IntelligenceSummary' });
export type Summary = z.infer<typeof Summary>;

export const METRICS = ['received', 'assigned', 'contacted', 'breached', 'sla_rate', 'time_to_assignment_p50', 'time_to_first_touch_p50'] as const;

export const TimeseriesQuery = z
  .object({
    metric: z.enum(METRICS),
    interval: z.enum(['hour', 'day']).default('hour'),
    from: TimestampInput.optional(),
    to: TimestampInput.optional(),
    team: Team.optional(),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), { message: 'from must be before to', path: ['to'] });
export type TimeseriesQuery = z.infer<typeof TimeseriesQuery>;

export const Timeseries = z
  .object({
    metric: z.enum(METRICS),
    interval: z.enum(['hour', 'day']),
    points: z.array(z.object({ at: Timestamp, value: z.number().nullable() })).meta({ description: 'One point per bucket of received leads, empty buckets included' }),
  })
  .meta({ id: 'Timeseries' });
export type Timeseries = z.infer<typeof Timeseries>;

