import { z } from 'zod';
import {
  ActionSchema,
  checkRuleset,
  RuleSchema,
  rulesetShape,
  SlaSchema,
} from '../routing/schema';
import { IdOf, PageQuery, Timestamp, orNull, TimestampInput, TrimmedText } from './common';
import { LeadInput } from './leads';
import { Routing } from './routing';

export const RulesetStatus = z.enum(['DRAFT', 'ACTIVE', 'ARCHIVED']).meta({ id: 'RulesetStatus' });
export type RulesetStatus = z.infer<typeof RulesetStatus>;

const Name = TrimmedText(1, 200);

export const RulesetCreate = z
  .strictObject({ name: Name, ...rulesetShape })
  .superRefine(checkRuleset)
  .meta({ id: 'RulesetCreate' });
export type RulesetCreate = z.infer<typeof RulesetCreate>;

export const RulesetUpdate = z
  .strictObject({
    name: Name.optional(),
    rules: rulesetShape.rules.optional(),
    fallback: orNull(ActionSchema).optional().meta({ description: 'null removes the fallback' }),
    sla: orNull(SlaSchema).optional().meta({ description: 'null removes the default SLA' }),
  })
  .meta({ id: 'RulesetUpdate' });
export type RulesetUpdate = z.infer<typeof RulesetUpdate>;

export const Ruleset = z
  .object({
    id: IdOf('ruleset'),
    name: z.string(),
    status: RulesetStatus,
    version: z.number().int().nullable().meta({ description: 'Assigned at first publication; published versions are immutable' }),
    rules: z.array(RuleSchema),
    fallback: orNull(ActionSchema),
    sla: orNull(SlaSchema),
    lists: z
      .record(z.string(), z.object({ value_count: z.number().int() }))
      .nullable()
      .meta({ description: 'The named lists this version routes with, as they were when it was published (null for a draft, which uses them as they are)' }),
    created_at: Timestamp,
    updated_at: Timestamp,
    published_at: Timestamp.nullable(),
    activated_at: Timestamp.nullable().meta({ description: 'When it last became the active ruleset' }),
  })
  .meta({ id: 'Ruleset' });
export type Ruleset = z.infer<typeof Ruleset>;

export const RulesetListQuery = PageQuery.extend({ status: RulesetStatus.optional() });
export type RulesetListQuery = z.infer<typeof RulesetListQuery>;


export const SimulateRequest = z
  .strictObject({
    lead: LeadInput,
    ruleset_id: IdOf('ruleset').optional().meta({ description: 'Simulate with this ruleset (e.g. a draft) instead of the active one' }),
    ruleset: z.strictObject(rulesetShape).superRefine(checkRuleset).optional().meta({ description: 'Simulate with this unsaved ruleset' }),
    at: TimestampInput.optional().meta({ description: 'Route as if it were this moment (working hours, out of office); default now' }),
  })
  .refine((r) => !(r.ruleset_id && r.ruleset), { message: 'give ruleset_id or ruleset, not both', path: ['ruleset'] })
  .meta({ id: 'SimulateRequest', dependentSchemas: { ruleset_id: { properties: { ruleset: false } } } });
export type SimulateRequest = z.infer<typeof SimulateRequest>;

export const SimulateResponse = z
  .object({
    assigned_rep_id: z.string().nullable().meta({ description: 'Who would get the lead now; null means it would wait UNASSIGNED' }),
    routing: Routing,
    sla_due_at: Timestamp.nullable(),
  })
  .meta({ id: 'SimulateResponse' });
export type SimulateResponse = z.infer<typeof SimulateResponse>;
