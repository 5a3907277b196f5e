/**
 * The routing core: pure functions of their inputs (no I/O, no clock, no randomness). Workflows, activities
 * and the API's simulator all route through here, so a simulation and a real routing agree by construction.
 */
export * from './conditions';
export * from './rules';
export * from './select';
export * from './sla';
export * from './time';
export type {
  Action,
  CandidateTrace,
  Condition,
  Escalation,
  EscalationAction,
  Explanation,
  FailedCondition,
  FallbackAction,
  Leaf,
  MatchSource,
  Operator,
  Rule,
  RuleTrace,
  RulesetDefinition,
  SkipReason,
  Sla,
  Stage,
  Strategy,
} from './schema';

import { matchRule, type CompiledRuleset, type RuleMatch } from './rules';
import { selectRep, type Selection, type SelectionContext } from './select';
import type { LeadValues } from './conditions';

export interface Decision {
  match: RuleMatch;
  selection: Selection | null;
}

/** Rule match then rep selection: what the simulator shows and what a lead's workflow and activity do in two steps. */
export function decide(rs: CompiledRuleset, lead: LeadValues, ctx: SelectionContext): Decision {
  const match = matchRule(rs, lead);
  return { match, selection: match.action ? selectRep(match.action, ctx) : null };
}
