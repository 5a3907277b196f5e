import { z } from 'zod';
import { regexProblem } from './regex';

/**
 * The ruleset language. This zod schema is the single definition: the API validates with it, the OpenAPI
 * document is generated from it, and the evaluator's types are inferred from it. Workflows import only types
 * from here, so zod never enters the workflow bundle.
 */

export { ESCALATION_ACTIONS, LEAD_FIELDS, OPERATORS, STRATEGIES, type EscalationAction, type Operator, type Strategy } from './vocabulary';
import { LEAD_FIELDS, OPERATORS, STRATEGIES, ESCALATION_ACTIONS, type Operator, type Strategy } from './vocabulary';

export const LIMITS = {
  rules: 1000,
  conditionDepth: 12,
  conditionsPerRuleset: 20_000,
  listValues: 1000,
  stringValue: 500,
  regexLength: 200,
  escalations: 20,
  /** Values in one named list (/v1/lists). */
  namedListValues: 100_000,
  /** A ruleset as JSON: what every lead's evaluation may walk, and what is kept for every version. */
  rulesetBytes: 512 * 1024,
} as const;

/** A named list (/v1/lists) as a condition names it. */
export const LIST_NAME_RE = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
/** The values of the named lists a ruleset uses, by name (as published, or as they are now for a draft). */
export type ListValues = Readonly<Record<string, readonly Scalar[]>>;

const FIELD_RE = /^attributes\.[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
const Field = z
  .string()
  .refine((f) => (LEAD_FIELDS as readonly string[]).includes(f) || FIELD_RE.test(f), {
    message: `unknown field: use one of ${LEAD_FIELDS.join(', ')} or attributes.<name>`,
  })
  .meta({ description: 'A lead field, or attributes.<name> for custom attributes' });

const Scalar = z.union([z.string().max(LIMITS.stringValue), z.number(), z.boolean()]);
type Scalar = z.infer<typeof Scalar>;

export interface Leaf {
  field: string;
  op: Operator;
  value?: Scalar | Scalar[];
  /** Compare strings ignoring case. Always on for email and domain. */
  ignore_case?: boolean;
  /** Set by the compiler for in_list/not_in_list, whose value it replaced with the list's values. */
  list?: string;
}
export type Condition = Leaf | { all: Condition[] } | { any: Condition[] } | { not: Condition };

interface ConditionInput {
  all?: ConditionInput[];
  any?: ConditionInput[];
  not?: ConditionInput;
  field?: string;
  op?: Operator;
  value?: unknown;
  ignore_case?: boolean;
}

const GROUP_KEYS = ['all', 'any', 'not'] as const;

/** Checks the value's type against what the operator needs; reports at `value` or `value[i]`. */
function checkLeafValue(c: ConditionInput, ctx: z.RefinementCtx): void {
  const issue = (message: string, path: (string | number)[] = ['value']) => ctx.addIssue({ code: 'custom', message, path });
  const v = c.value;
  switch (c.op) {
    case 'eq':
    case 'neq':
      if (!Scalar.safeParse(v).success) issue(`${c.op} needs a string, number or boolean value`);
      break;
    case 'in':
    case 'not_in':
      if (!Array.isArray(v) || v.length === 0) return issue(`${c.op} needs a non-empty array of values`);
      if (v.length > LIMITS.listValues) return issue(`${c.op} takes at most ${LIMITS.listValues} values`);
      v.forEach((x, i) => {
        if (!Scalar.safeParse(x).success) issue('must be a string, number or boolean', ['value', i]);
      });
      break;
    case 'contains':
    case 'starts_with':
    case 'ends_with':
      if (typeof v !== 'string' || v.length === 0 || v.length > LIMITS.stringValue) issue(`${c.op} needs a non-empty string value`);
      break;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (typeof v !== 'number' || !Number.isFinite(v)) issue(`${c.op} needs a number value`);
      break;
    case 'exists':
      if (v !== undefined && typeof v !== 'boolean') issue('exists takes true (default) or false');
      break;
    case 'in_list':
    case 'not_in_list':
      if (typeof v !== 'string' || !LIST_NAME_RE.test(v)) issue(`${c.op} needs the name of a list (see /v1/lists): lower-case letters, digits, "_", "." or "-"`);
      break;
    case 'matches': {
      if (typeof v !== 'string') return issue('matches needs a regular expression string');
      const problem = regexProblem(v, LIMITS.regexLength);
      if (problem) issue(problem);
      break;
    }
  }
}

export const ConditionSchema: z.ZodType<Condition, ConditionInput> = z.lazy(() =>
  z
    .strictObject({
      all: z.array(ConditionSchema).max(LIMITS.rules).optional(),
      any: z.array(ConditionSchema).max(LIMITS.rules).optional(),
      not: ConditionSchema.optional(),
      field: Field.optional(),
      op: z.enum(OPERATORS).optional(),
      value: z.unknown().optional(),
      ignore_case: z.boolean().optional(),
    })
    .superRefine((c, ctx) => {
      const groups = GROUP_KEYS.filter((k) => c[k] !== undefined);
      const leafKeys = (['field', 'op', 'value', 'ignore_case'] as const).filter((k) => c[k] !== undefined);
      if (groups.length > 1 || (groups.length === 1 && leafKeys.length > 0)) {
        ctx.addIssue({ code: 'custom', message: 'a condition is either a group (all, any or not) or a comparison (field, op, value), not both' });
        return;
      }
      if (groups.length === 1) return;
      if (c.field === undefined) ctx.addIssue({ code: 'custom', message: 'field is required', path: ['field'] });
      if (c.op === undefined) ctx.addIssue({ code: 'custom', message: `op is required: one of ${OPERATORS.join(', ')}`, path: ['op'] });
      if (c.op !== undefined) checkLeafValue(c, ctx);
    })
    .transform((c) => c as Condition)
    .meta({
      id: 'Condition',
      // A group has exactly one of all/any/not; a comparison has field and op (JSON Schema cannot say more).
      oneOf: [{ required: ['all'] }, { required: ['any'] }, { required: ['not'] }, { required: ['field', 'op'] }],
      description:
        'A comparison {field, op, value, ignore_case?} or a group {all: [...]}, {any: [...]}, {not: {...}}. ' +
        `Operators: ${OPERATORS.join(', ')}.`,
    }),
);

const Minutes = z
  .number()
  .positive()
  .max(60 * 24 * 365)
  .meta({ description: 'Minutes; fractions allowed (0.05 = 3 s)' });

export const EscalationSchema = z.strictObject({
  after_minutes: z.number().min(0).max(60 * 24 * 365).meta({ description: 'Minutes after the SLA deadline, on the same clock as the SLA' }),
  action: z.enum(ESCALATION_ACTIONS),
});
export type Escalation = z.infer<typeof EscalationSchema>;

export const SlaSchema = z
  .strictObject({
    first_touch_minutes: Minutes,
    business_hours: z.boolean().default(false).meta({ description: "Count only the assigned rep's working hours" }),
    escalations: z
      .array(EscalationSchema)
      .max(LIMITS.escalations)
      .default([])
      .superRefine((steps, ctx) => {
        steps.forEach((s, i) => {
          if (i > 0 && s.after_minutes < steps[i - 1]!.after_minutes) {
            ctx.addIssue({ code: 'custom', message: 'escalations must be in order of after_minutes', path: [i, 'after_minutes'] });
          }
        });
      }),
    max_reassignments: z.number().int().min(0).max(50).default(3),
    notify_on_give_up: z
      .boolean()
      .optional()
      .meta({ description: "Tell the organization's escalation contacts when routing gives up after max_reassignments (default: the organization's setting)" }),
  })
  .meta({ id: 'Sla' });
export type Sla = z.infer<typeof SlaSchema>;

const ActionFields = {
  strategy: z.enum(STRATEGIES),
  team: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'not a team name').optional(),
  rep_ids: z.array(z.string().min(1).max(64)).min(1).max(500).optional().meta({ uniqueItems: true }),
  rep_id: z.string().min(1).max(64).optional().meta({ description: 'DIRECT: the rep who gets the lead' }),
  respect_working_hours: z.boolean().optional().meta({ description: 'Skip reps outside their working hours' }),
  set_owner: z
    .boolean()
    .optional()
    .meta({ description: "Sticky ownership: the rep this action assigns becomes the owner of the lead's contact and account, so OWNER routing sends the company's next lead to them" }),
};

/** Strategies that send a lead to the rep who already owns it. */
export const ownsLead = (s: Strategy): boolean => s === 'OWNER' || s === 'CRM_OWNER';

function checkAction(a: { strategy: Strategy; team?: string; rep_ids?: string[]; rep_id?: string }, ctx: z.RefinementCtx): void {
  const issue = (message: string, path: string) => ctx.addIssue({ code: 'custom', message, path: [path] });
  if (a.strategy === 'DIRECT') {
    if (!a.rep_id) issue('DIRECT needs rep_id', 'rep_id');
    if (a.team) issue('DIRECT takes rep_id, not team', 'team');
    if (a.rep_ids) issue('DIRECT takes rep_id, not rep_ids', 'rep_ids');
    return;
  }
  if (a.rep_id) issue(`${a.strategy} takes team or rep_ids, not rep_id`, 'rep_id');
  if (a.team && a.rep_ids) issue('give team or rep_ids, not both', 'rep_ids');
  if (a.strategy !== 'OWNER' && a.strategy !== 'CRM_OWNER' && !a.team && !a.rep_ids) issue(`${a.strategy} needs a pool: team or rep_ids`, 'team');
  if (a.rep_ids && new Set(a.rep_ids).size !== a.rep_ids.length) issue('rep_ids must not repeat', 'rep_ids');
}

export const FallbackActionSchema = z
  .strictObject(ActionFields)
  .superRefine(checkAction)
  .meta({ id: 'FallbackAction', description: 'Where the lead goes when the action above it finds no eligible rep' });
export type FallbackAction = z.infer<typeof FallbackActionSchema>;

export const ActionSchema = z
  .strictObject({
    ...ActionFields,
    sla: SlaSchema.optional(),
    fallback: FallbackActionSchema.optional(),
    notify_on_assign: z.boolean().optional().meta({ description: "Tell the rep who gets the lead by email and Slack (default: the organization's setting)" }),
    owner_takes_turn: z
      .boolean()
      .optional()
      .meta({
        description:
          'OWNER and CRM_OWNER with a ROUND_ROBIN or WEIGHTED fallback: a lead that goes to its owner uses up that rep\'s next turn in the fallback\'s rotation (default false: leads routed to their owner count toward load and caps, never toward turns)',
      }),
  })
  .superRefine(checkAction)
  .superRefine((a, ctx) => {
    if (!a.owner_takes_turn) return;
    const rotates = a.fallback?.strategy === 'ROUND_ROBIN' || a.fallback?.strategy === 'WEIGHTED';
    if (!ownsLead(a.strategy) || !rotates) ctx.addIssue({ code: 'custom', message: 'owner_takes_turn needs OWNER or CRM_OWNER with a ROUND_ROBIN or WEIGHTED fallback', path: ['owner_takes_turn'] });
  })
  .meta({
    id: 'Action',
    description:
      'DIRECT takes rep_id; ROUND_ROBIN, WEIGHTED and LOAD_BALANCED take team or rep_ids (one of them); OWNER may take either as the pool for leads without an owner. ' +
      "CRM_OWNER sends the lead to the rep mapped to its CRM owner (a HubSpot contact's hubspot_owner_id, else its company's owner), when that rep is eligible (and in the pool, when one is named); give it a fallback for leads whose owner cannot take them.",
  });
export type Action = z.infer<typeof ActionSchema>;

export const RuleSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'rule ids are 1-64 letters, digits, "_", "." or "-"'),
    name: z.string().max(200).optional(),
    when: ConditionSchema.optional().meta({ description: 'Omitted: the rule matches every lead' }),
    then: ActionSchema,
    reroute_on_change: z
      .array(Field)
      .min(1)
      .max(50)
      .optional()
      .meta({
        uniqueItems: true,
        description:
          'Fields that, when a lead this rule assigned is updated (PATCH /v1/leads/:id) and one of them changes, route the lead again; it moves when another rule now matches',
      }),
  })
  .meta({ id: 'Rule' });
export type Rule = z.infer<typeof RuleSchema>;

/** The parts of a ruleset that route (everything but its name and lifecycle). */
export const rulesetShape = {
  rules: z.array(RuleSchema).max(LIMITS.rules),
  fallback: ActionSchema.optional().meta({ description: 'Used when no rule matches' }),
  sla: SlaSchema.optional().meta({ description: 'Default SLA for rules that set none' }),
};

/** Checks that need the whole ruleset: unique rule ids, nesting depth, total size. */
export function checkRuleset(rs: { rules: Rule[] }, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  rs.rules.forEach((r, i) => {
    const first = seen.get(r.id);
    if (first !== undefined) ctx.addIssue({ code: 'custom', message: `duplicate rule id (also rules[${first}])`, path: ['rules', i, 'id'] });
    else seen.set(r.id, i);
  });
  let count = 0;
  const walk = (c: Condition | undefined, path: (string | number)[], depth: number): void => {
    if (!c) return;
    count++;
    if (depth > LIMITS.conditionDepth) {
      ctx.addIssue({ code: 'custom', message: `conditions nest deeper than ${LIMITS.conditionDepth} levels`, path });
      return;
    }
    if ('all' in c) c.all.forEach((x, i) => walk(x, [...path, 'all', i], depth + 1));
    else if ('any' in c) c.any.forEach((x, i) => walk(x, [...path, 'any', i], depth + 1));
    else if ('not' in c) walk(c.not, [...path, 'not'], depth + 1);
  };
  rs.rules.forEach((r, i) => walk(r.when, ['rules', i, 'when'], 1));
  if (count > LIMITS.conditionsPerRuleset) ctx.addIssue({ code: 'custom', message: `more than ${LIMITS.conditionsPerRuleset} conditions`, path: ['rules'] });
  const bytes = Buffer.byteLength(JSON.stringify(rs));
  if (bytes > LIMITS.rulesetBytes) ctx.addIssue({ code: 'custom', message: `the ruleset is ${Math.ceil(bytes / 1024)} KB as JSON; at most ${LIMITS.rulesetBytes / 1024} KB`, path: ['rules'] });
}

export const RulesetDefinitionSchema = z.strictObject(rulesetShape).superRefine(checkRuleset).meta({ id: 'RulesetDefinition' });
export type RulesetDefinition = z.infer<typeof RulesetDefinitionSchema>;

/** Every rep id and team a ruleset names, with where, so the API can check them against the database. */
export function poolReferences(rs: RulesetDefinition): { repIds: Array<{ id: string; path: (string | number)[] }>; teams: Array<{ team: string; path: (string | number)[] }> } {
  const repIds: Array<{ id: string; path: (string | number)[] }> = [];
  const teams: Array<{ team: string; path: (string | number)[] }> = [];
  const visit = (a: FallbackAction | Action | undefined, path: (string | number)[]) => {
    if (!a) return;
    if (a.rep_id) repIds.push({ id: a.rep_id, path: [...path, 'rep_id'] });
    a.rep_ids?.forEach((id, i) => repIds.push({ id, path: [...path, 'rep_ids', i] }));
    if (a.team) teams.push({ team: a.team, path: [...path, 'team'] });
    if ('fallback' in a) visit(a.fallback, [...path, 'fallback']);
  };
  rs.rules.forEach((r, i) => visit(r.then, ['rules', i, 'then']));
  visit(rs.fallback, ['fallback']);
  return { repIds, teams };
}

/** Every named list a ruleset's conditions use, with where, so the API can check that they exist. */
export function listReferences(rs: RulesetDefinition): Array<{ name: string; path: (string | number)[] }> {
  const out: Array<{ name: string; path: (string | number)[] }> = [];
  const walk = (c: Condition | undefined, path: (string | number)[]): void => {
    if (!c) return;
    if ('all' in c) c.all.forEach((x, i) => walk(x, [...path, 'all', i]));
    else if ('any' in c) c.any.forEach((x, i) => walk(x, [...path, 'any', i]));
    else if ('not' in c) walk(c.not, [...path, 'not']);
    else if (c.op === 'in_list' || c.op === 'not_in_list') out.push({ name: String(c.value), path: [...path, 'value'] });
  };
  rs.rules.forEach((r, i) => walk(r.when, ['rules', i, 'when']));
  return out;
}

// ---- Explanations: what the router says about a decision (stored on the lead, returned by the simulator).

export const FailedConditionSchema = z
  .object({
    path: z.string().meta({ description: 'Where in the rule, e.g. when.all[1]' }),
    field: z.string().optional(),
    op: z.union([z.enum(OPERATORS), z.literal('any'), z.literal('not')]),
    value: z.unknown().optional().meta({ description: "The condition's value (a list's name for in_list); its first 10 elements, and text up to 100 characters, when longer" }),
    value_length: z.number().int().optional().meta({ description: 'Set when `value` is cut: its length (characters, or elements of a list)' }),
    actual: z.unknown().optional().meta({ description: "The lead's value (null when missing), cut like `value`" }),
    actual_length: z.number().int().optional().meta({ description: "Set when `actual` is cut: the lead's value's length (characters, or elements of a list)" }),
    reason: z
      .enum(['BUDGET_EXHAUSTED', 'REGEX_BUDGET_EXHAUSTED'])
      .optional()
      .meta({
        description:
          "BUDGET_EXHAUSTED: the lead's evaluation ran out of its work budget while testing this condition, so neither it nor any later rule matched. REGEX_BUDGET_EXHAUSTED: the same, in explanations written before every operator had a cost",
      }),
  })
  .meta({ id: 'FailedCondition' });
export type FailedCondition = z.infer<typeof FailedConditionSchema>;

export const RuleTraceSchema = z
  .object({ rule_id: z.string(), matched: z.boolean(), failed: FailedConditionSchema.optional() })
  .meta({ id: 'RuleTrace' });
export type RuleTrace = z.infer<typeof RuleTraceSchema>;

export const SKIP_REASONS = [
  'UNKNOWN_REP',
  'INACTIVE',
  'ALREADY_HAD_LEAD',
  'AWAY',
  'OFFLINE',
  'OUT_OF_OFFICE',
  'OUTSIDE_WORKING_HOURS',
  'HOLIDAY',
  'AT_CAPACITY',
  'AT_DAILY_CAP',
  'ZERO_WEIGHT',
  'NOT_IN_POOL',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export const CandidateTraceSchema = z
  .object({ rep_id: z.string(), eligible: z.boolean(), reason: z.enum(SKIP_REASONS).optional() })
  .meta({ id: 'CandidateTrace' });
export type CandidateTrace = z.infer<typeof CandidateTraceSchema>;

export const CRM_OWNER_SOURCES = ['contact', 'company'] as const;
export const CrmOwnerTraceSchema = z
  .object({
    crm: z.string(),
    source: z.enum(CRM_OWNER_SOURCES).meta({ description: "Whose owner: the lead's contact, or its company" }),
    owner_id: z.string(),
    rep_id: z.string().nullable().meta({ description: 'The rep mapped to this owner; null: no rep is (the owner sync or PATCH /v1/reps/:id maps one)' }),
  })
  .meta({ id: 'CrmOwnerTrace' });
export type CrmOwnerTrace = z.infer<typeof CrmOwnerTraceSchema>;

export const StageSchema = z
  .object({
    strategy: z.enum(STRATEGIES),
    pool_key: z.string(),
    candidates: z.array(CandidateTraceSchema),
    rep_id: z.string().nullable(),
    owners: z.array(CrmOwnerTraceSchema).optional().meta({ description: 'CRM_OWNER: the owners found, in the order tried; none when the lead has no CRM owner' }),
  })
  .meta({ id: 'SelectionStage' });
export type Stage = z.infer<typeof StageSchema>;

export const MATCH_SOURCES = ['RULE', 'FALLBACK', 'NONE'] as const;
export type MatchSource = (typeof MATCH_SOURCES)[number];

export const ExplanationSchema = z
  .object({
    rules: z.array(RuleTraceSchema).meta({ description: 'Each rule evaluated, up to the first match' }),
    source: z.enum(MATCH_SOURCES).meta({ description: 'RULE: a rule matched; FALLBACK: none did, the ruleset fallback applied; NONE: nothing applied' }),
    stages: z.array(StageSchema).meta({ description: "The pool's candidates, each eligible or skipped with its reason; a second stage is the action's fallback" }),
  })
  .meta({ id: 'Explanation' });
export type Explanation = z.infer<typeof ExplanationSchema>;
