import { compileCondition, compileExplainer, listEnv, type LeadExplainer, type LeadTest, type LeadValues } from './conditions';
import { EVALUATION, newEvaluation } from './budget';
import { buildIndex, firstCandidate, type RuleIndex } from './ruleIndex';
import type { Action, ListValues, MatchSource, RuleTrace, RulesetDefinition, Sla } from './schema';

/**
 * First-match rule selection over a compiled ruleset. The index (ruleIndex.ts) narrows each lead to the
 * rules that could match it; they are tested in rule order, so the answer is the same as testing every
 * rule — only faster.
 */

export interface RuleMatch {
  rule_id: string | null;
  source: MatchSource;
  action: Action | null;
  sla: Sla | null;
  trace: RuleTrace[];
}

interface CompiledRule {
  id: string;
  test: LeadTest;
  explain: LeadExplainer;
  then: Action;
}

export interface CompiledRuleset {
  definition: RulesetDefinition;
  rules: CompiledRule[];
  index: RuleIndex;
}

/**
 * Of the fields a lead update changed, those that make the rule which assigned it route it again
 * (its reroute_on_change). Empty when the rule is gone from the ruleset or says nothing.
 */
export function rerouteFields(definition: RulesetDefinition, ruleId: string | null, changed: readonly string[]): string[] {
  const rule = ruleId ? definition.rules.find((r) => r.id === ruleId) : undefined;
  const watched = new Set(rule?.reroute_on_change ?? []);
  return changed.filter((f) => watched.has(f));
}

/**
 * Compiles a ruleset once for any number of leads. Named lists are compiled once each and shared by every
 * condition that names them (conditions.ts, ListEnv), in the evaluator and the rule index alike.
 */
export function compileRuleset(definition: RulesetDefinition, lists: ListValues = {}): CompiledRuleset {
  const env = listEnv(lists);
  const rules: CompiledRule[] = definition.rules.map((rule) => ({
    id: rule.id,
    test: rule.when ? compileCondition(rule.when, env) : () => true,
    explain: rule.when ? compileExplainer(rule.when, 'when', env) : () => null,
    then: rule.then,
  }));
  return { definition, rules, index: buildIndex(definition.rules.map((r) => r.when), env) };
}

/**
 * Position of the first matching rule, or -1. The hot path: no explanation is built. A rule being tested when
 * the lead's evaluation budget runs out does not match, and neither does any rule after it (a `not` over a
 * condition cut short must not make a rule match).
 */
export function firstMatch(rs: CompiledRuleset, lead: LeadValues): number {
  const evaluation = lead[EVALUATION];
  return firstCandidate(rs.index, lead, (position) => !evaluation?.exhausted && rs.rules[position]!.test(lead) && !evaluation?.exhausted);
}

/** Without the index: every rule in order. Used by tests to prove the index never changes a decision. */
export function firstMatchNaive(rs: CompiledRuleset, lead: LeadValues): number {
  return rs.rules.findIndex((r) => r.test(lead));
}

function resolveSla(action: Action, rs: RulesetDefinition): Sla | null {
  return action.sla ?? rs.sla ?? null;
}

/**
 * The decision with its explanation: one trace entry per rule up to the match, each non-matching rule with
 * the condition that failed and the lead's value. Each pass over the lead (the decision's, the explanation's)
 * has its own evaluation budget; the budget counts the work actually done, so the index's shortcuts leave
 * more of it for the rules that matter. Where a budget ran out, the trace says BUDGET_EXHAUSTED and stops.
 */
export function matchRule(rs: CompiledRuleset, input: LeadValues): RuleMatch {
  const position = firstMatch(rs, { ...input, [EVALUATION]: newEvaluation() });
  const upTo = position === -1 ? rs.rules.length : position;
  const trace: RuleTrace[] = [];
  const lead: LeadValues = { ...input, [EVALUATION]: newEvaluation() };
  for (let i = 0; i < upTo; i++) {
    const rule = rs.rules[i]!;
    const failed = rule.explain(lead);
    trace.push({ rule_id: rule.id, matched: false, ...(failed ? { failed } : {}) });
    if (lead[EVALUATION]!.exhausted) break;
  }
  if (position !== -1) {
    const rule = rs.rules[position]!;
    trace.push({ rule_id: rule.id, matched: true });
    return { rule_id: rule.id, source: 'RULE', action: rule.then, sla: resolveSla(rule.then, rs.definition), trace };
  }
  const fallback = rs.definition.fallback;
  if (fallback) return { rule_id: null, source: 'FALLBACK', action: fallback, sla: resolveSla(fallback, rs.definition), trace };
  return { rule_id: null, source: 'NONE', action: null, sla: rs.definition.sla ?? null, trace };
}

/** Every lead field the ruleset's conditions read (`company`, `attributes.plan` …), for sources that must ask for them. */
export function fieldsRead(definition: RulesetDefinition): string[] {
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'field' && typeof v === 'string') found.add(v);
        else walk(v);
      }
    }
  };
  definition.rules.forEach((r) => {
    walk(r.when);
    r.reroute_on_change?.forEach((f) => found.add(f));
  });
  return [...found].sort();
}
