import { z } from 'zod';
import { IdOf, QueryBool, Timestamp, TimestampInput } from './common';

export const BACKTEST_MAX_LEADS = 100_000;

export const BacktestRequest = z
  .strictObject({
    from: TimestampInput.meta({ description: 'Leads received at or after this moment' }),
    to: TimestampInput.meta({ description: 'Leads received before this moment' }),
    team: z.string().max(64).optional().meta({ description: 'Only leads that were routed to this team' }),
    source: z.string().max(200).optional().meta({ description: 'Only leads with this source' }),
    limit: z.number().int().min(1).max(BACKTEST_MAX_LEADS).default(BACKTEST_MAX_LEADS).meta({ description: `The most leads the window may hold (up to ${BACKTEST_MAX_LEADS.toLocaleString('en')}); a window with more is refused` }),
  })
  .refine((r) => Date.parse(r.from) < Date.parse(r.to), { message: 'from must be before to', path: ['to'] })
  .meta({ id: 'BacktestRequest' });
export type BacktestRequest = z.infer<typeof BacktestRequest>;

const Who = z.object({ rep_id: z.string().nullable(), rule_id: z.string().nullable() });

export const BacktestReport = z
  .object({
    summary: z.string().meta({ description: 'The findings in a sentence: "37 of 1,204 leads would move; emea-ae load +12%; 3 rules never match"' }),
    leads: z.number().int(),
    moved: z.number().int().meta({ description: 'Leads that would have another rep (or none, or one where they had none)' }),
    changes: z
      .array(z.object({ lead_id: z.string(), received_at: Timestamp, before: Who, after: Who.extend({ source: z.string() }) }))
      .meta({ description: 'The first 1,000 leads that would move (the CSV export lists up to 10,000)' }),
    reps: z.array(z.object({ rep_id: z.string(), name: z.string().nullable(), before: z.number().int(), after: z.number().int(), change: z.number().int(), change_pct: z.number().nullable() })),
    teams: z
      .array(z.object({ team: z.string(), reps: z.number().int(), before: z.number(), after: z.number(), load_before: z.number().int(), load_after: z.number().int() }))
      .meta({ description: "Each team's fairness (Jain's index of its reps' lead counts: 1 is perfectly even) and load, before and after" }),
    rules_never_matched: z.array(z.string()),
    unassigned: z.object({ total: z.number().int(), by_reason: z.record(z.string(), z.number().int()), lead_ids: z.array(z.string()) }),
    sla: z
      .object({
        leads_with_sla: z.number().int(),
        expected_breaches_before: z.number(),
        expected_breaches_after: z.number(),
        reps_without_history: z.array(z.string()),
      })
      .meta({ description: "SLA pressure: for each lead, the chance its rep misses the SLA, from the share of the rep's past first touches slower than it" }),
  })
  .meta({ id: 'BacktestReport' });

export const Backtest = z
  .object({
    id: IdOf('backtest'),
    ruleset_id: IdOf('ruleset'),
    ruleset_version: z.number().int().nullable(),
    status: z.enum(['RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED']),
    request: z.record(z.string(), z.unknown()),
    leads_total: z.number().int().nullable(),
    leads_done: z.number().int(),
    report: BacktestReport.nullable().meta({ description: 'Only when COMPLETED' }),
    error: z.string().nullable(),
    workflow_id: z.string(),
    created_at: Timestamp,
    finished_at: Timestamp.nullable(),
  })
  .meta({ id: 'Backtest' });
export type Backtest = z.infer<typeof Backtest>;

export const BacktestExportQuery = z.object({ format: z.enum(['csv']).default('csv') });
export const PublishQuery = z.object({
  require_backtest: QueryBool.optional().meta({ description: 'Refuse (409) unless this ruleset has a completed backtest' }),
});
