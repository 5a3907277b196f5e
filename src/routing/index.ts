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
