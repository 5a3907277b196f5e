import { compileCondition, compileExplainer, REGEX_BUDGET, type LeadExplainer, type LeadTest, type LeadValues } from './conditions';
import { newRegexBudget } from './regex';
import { buildIndex, firstCandidate, type RuleIndex } from './ruleIndex';
import type { Action, Condition, ListValues, MatchSource, RuleTrace, RulesetDefinition, Sla } from './schema';

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
 * The condition with each in_list/not_in_list replaced by an in/not_in over the list's values (remembering
 * the list's name for explanations), so evaluation and the rule index treat a territory exactly like an
 * inline `in`: one hash lookup per lead, however long the list.
 */
export function withLists(c: Condition, lists: ListValues): Condition {
  if ('all' in c) return { all: c.all.map((x) => withLists(x, lists)) };
  if ('any' in c) return { any: c.any.map((x) => withLists(x, lists)) };
  if ('not' in c) return { not: withLists(c.not, lists) };
  if (c.op !== 'in_list' && c.op !== 'not_in_list') return c;
  const values = lists[String(c.value)];
  if (!values) return c;
  return { ...c, op: c.op === 'in_list' ? 'in' : 'not_in', value: [...values], list: String(c.value) };
}

export function compileRuleset(definition: RulesetDefinition, lists: ListValues = {}): CompiledRuleset {
  const whens = definition.rules.map((r) => (r.when ? withLists(r.when, lists) : undefined));
  const rules: CompiledRule[] = definition.rules.map((rule, i) => ({
    id: rule.id,
    test: whens[i] ? compileCondition(whens[i]) : () => true,
    explain: whens[i] ? compileExplainer(whens[i], 'when') : () => null,
    then: rule.then,
  }));
  return { definition, rules, index: buildIndex(whens) };
}

/** Position of the first matching rule, or -1. The hot path: no explanation is built. */
export function firstMatch(rs: CompiledRuleset, lead: LeadValues): number {
  return firstCandidate(rs.index, lead, (position) => rs.rules[position]!.test(lead));
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
 * the condition that failed and the lead's value. The regex budget counts the work actually done, so the
 * index's shortcuts can only leave more of it for the rules that matter.
 */
export function matchRule(rs: CompiledRuleset, input: LeadValues): RuleMatch {
  // Each pass over the lead gets its own regex budget: the decision's pass and the explanation's.
  const position = firstMatch(rs, { ...input, [REGEX_BUDGET]: newRegexBudget() });
  const upTo = position === -1 ? rs.rules.length : position;
  const trace: RuleTrace[] = [];
  const lead: LeadValues = { ...input, [REGEX_BUDGET]: newRegexBudget() };
  for (let i = 0; i < upTo; i++) {
    const rule = rs.rules[i]!;
    const failed = rule.explain(lead);
    trace.push({ rule_id: rule.id, matched: false, ...(failed ? { failed } : {}) });
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
