import { z } from 'zod';
import { IdOf, Timestamp, TimestampInput } from './common';
import { LeadStatus } from './leads';

export const REROUTE_JOB_MAX = 10_000;
const SELECTORS = ['status', 'rep_id', 'team', 'rule_id', 'received_after', 'received_before'] as const;

export const RerouteRequest = z
  .strictObject({
    status: z.array(LeadStatus.exclude(['CLOSED'])).min(1).max(4).optional().meta({ uniqueItems: true, description: 'Leads in any of these statuses (closed leads are never re-routed)' }),
    rep_id: IdOf('rep').optional().meta({ description: "This rep's leads (e.g. a rep who left)" }),
    team: z.string().max(64).optional().meta({ description: 'Leads routed to this team' }),
    rule_id: z.string().max(64).optional().meta({ description: 'Leads this rule routed' }),
    received_after: TimestampInput.optional(),
    received_before: TimestampInput.optional(),
    limit: z.number().int().min(1).max(REROUTE_JOB_MAX).default(1000).meta({ description: `At most this many leads, oldest first (up to ${REROUTE_JOB_MAX})` }),
    dry_run: z.boolean().default(false).meta({ description: 'Only say which leads would be routed again' }),
  })
  .superRefine((r, ctx) => {
    if (!SELECTORS.some((k) => r[k] !== undefined)) ctx.addIssue({ code: 'custom', message: `name at least one of ${SELECTORS.join(', ')}`, path: [] });
  })
  .meta({ id: 'RerouteRequest', anyOf: SELECTORS.map((k) => ({ required: [k] })), description: 'Which leads to route again; every lead that matches all the filters given, closed leads excepted' });
export type RerouteRequest = z.infer<typeof RerouteRequest>;

export const RerouteJob = z
  .object({
    id: IdOf('rerouteJob').nullable().meta({ description: 'null for a dry run' }),
    status: z.enum(['DRY_RUN', 'RUNNING', 'COMPLETED']),
    selection: z.record(z.string(), z.unknown()).meta({ description: 'The filters as sent' }),
    selected: z.number().int().meta({ description: 'Leads chosen when the job started' }),
    processed: z.number().int(),
    moved: z.number().int().meta({ description: 'Leads that got another rep (or, waiting before, a rep)' }),
    unchanged: z.number().int().meta({ description: 'Leads routed again that stayed where they were' }),
    failed: z.number().int().meta({ description: 'Leads that could not be routed again (closed meanwhile, say)' }),
    failures: z.array(z.object({ lead_id: IdOf('lead'), reason: z.string() })).meta({ description: 'The first 100 failures' }),
    lead_ids: z.array(IdOf('lead')).meta({ description: 'The first 100 leads selected' }),
    created_at: Timestamp,
    finished_at: Timestamp.nullable(),
  })
  .meta({ id: 'RerouteJob', description: 'A selection of leads routed again, lead by lead, through their workflows. A dry run (id null) only selects' });
export type RerouteJob = z.infer<typeof RerouteJob>;
