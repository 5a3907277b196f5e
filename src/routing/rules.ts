import {
  compileCondition,
  compileExplainer,
  fieldGetter,
  prepareLead,
  toNumber,
  type FailedCondition,
  type LeadExplainer,
  type LeadTest,
  type LeadValues,
} from './conditions';
import type { Action, Condition, Leaf, RulesetDefinition, Sla } from './schema';

/**
 * First-match rule selection. A compiled ruleset keeps, besides one test per rule, an index on equality
 * conditions: a rule whose `when` requires `field eq/in values` can only match leads whose field has one of
 * those values, so for a given lead only the rules indexed under its values (plus the unindexable ones) are
 * tested, in rule order. The index changes speed, never the result (a property test checks exactly that).
 */

export interface RuleTrace {
  rule_id: string;
  matched: boolean;
  failed?: FailedCondition;
}

export type MatchSource = 'RULE' | 'FALLBACK' | 'NONE';

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
  /** The equality condition the index files this rule under, for explaining a skipped rule. */
  key?: { field: string; leaf: Leaf; path: string };
}

interface FieldIndex {
  field: string;
  get: (lead: LeadValues) => unknown;
  ci: boolean;
  /** normalised value → ascending rule positions */
  byValue: Map<string, number[]>;
}

export interface CompiledRuleset {
  definition: RulesetDefinition;
  rules: CompiledRule[];
  indexes: FieldIndex[];
  unindexed: number[];
}

const ALWAYS_CI = new Set(['email', 'domain']);

function stringKey(s: string, ci: boolean): string {
  return `s:${ci ? s.toLowerCase() : s}`;
}

/** Values with a unique normal form; numeric-looking strings and booleans compare in several ways, so no. */
function indexKeys(values: unknown[], ci: boolean): string[] | null {
  const keys: string[] = [];
  for (const v of values) {
    if (typeof v === 'number') keys.push(`n:${v}`);
    else if (typeof v === 'string' && toNumber(v) === null && !/^(true|false)$/i.test(v)) keys.push(stringKey(v, ci));
    else return null;
  }
  return keys;
}

/** The first top-level equality the rule cannot match without, if any. */
function keyCondition(when: Condition | undefined): { leaf: Leaf; path: string } | null {
  if (!when) return null;
  const candidates: Array<{ c: Condition; path: string }> = 'all' in when ? when.all.map((c, i) => ({ c, path: `when.all[${i}]` })) : [{ c: when, path: 'when' }];
  for (const { c, path } of candidates) {
    if ('field' in c && (c.op === 'eq' || c.op === 'in')) {
      const values = Array.isArray(c.value) ? c.value : [c.value];
      if (indexKeys(values, ALWAYS_CI.has(c.field) || c.ignore_case === true)) return { leaf: c, path };
    }
  }
  return null;
}

export function compileRuleset(definition: RulesetDefinition): CompiledRuleset {
  const indexes = new Map<string, FieldIndex>();
  const unindexed: number[] = [];
  const rules: CompiledRule[] = definition.rules.map((rule, position) => {
    const compiled: CompiledRule = {
      id: rule.id,
      test: rule.when ? compileCondition(rule.when) : () => true,
      explain: rule.when ? compileExplainer(rule.when, 'when') : () => null,
      then: rule.then,
    };
    const key = keyCondition(rule.when);
    if (!key) {
      unindexed.push(position);
      return compiled;
    }
    const ci = ALWAYS_CI.has(key.leaf.field) || key.leaf.ignore_case === true;
    const indexName = `${key.leaf.field}|${ci}`;
    let index = indexes.get(indexName);
    if (!index) {
      index = { field: key.leaf.field, get: fieldGetter(key.leaf.field), ci, byValue: new Map() };
      indexes.set(indexName, index);
    }
    const values = Array.isArray(key.leaf.value) ? key.leaf.value : [key.leaf.value];
    for (const k of new Set(indexKeys(values, ci)!)) {
      const list = index.byValue.get(k) ?? [];
      list.push(position);
      index.byValue.set(k, list);
    }
    compiled.key = { field: key.leaf.field, leaf: key.leaf, path: key.path };
    return compiled;
  });
  return { definition, rules, indexes: [...indexes.values()], unindexed };
}

function pushKeysOf(value: unknown, ci: boolean, out: string[]): void {
  if (Array.isArray(value)) {
    for (const v of value) pushKeysOf(v, ci, out);
  } else if (typeof value === 'number') {
    out.push(`n:${value}`);
  } else if (typeof value === 'string') {
    out.push(stringKey(value, ci));
    const n = toNumber(value);
    if (n !== null) out.push(`n:${n}`);
  }
}

/** Rule positions that could match this lead, ascending. */
function candidatePositions(rs: CompiledRuleset, lead: LeadValues): number[] {
  const lists: number[][] = [rs.unindexed];
  const keys: string[] = [];
  for (const index of rs.indexes) {
    keys.length = 0;
    pushKeysOf(index.get(lead), index.ci, keys);
    for (const k of keys) {
      const list = index.byValue.get(k);
      if (list) lists.push(list);
    }
  }
  if (lists.length === 1) return lists[0]!;
  const merged = ([] as number[]).concat(...lists);
  merged.sort((a, b) => a - b);
  return merged;
}

/** Position of the first matching rule, or -1. The hot path: no explanation is built. */
export function firstMatch(rs: CompiledRuleset, rawLead: LeadValues): number {
  const lead = prepareLead(rawLead);
  let previous = -1;
  for (const position of candidatePositions(rs, lead)) {
    if (position === previous) continue;
    previous = position;
    if (rs.rules[position]!.test(lead)) return position;
  }
  return -1;
}

/** Without the index: every rule in order. Used by tests to prove the index never changes a decision. */
export function firstMatchNaive(rs: CompiledRuleset, rawLead: LeadValues): number {
  const lead = prepareLead(rawLead);
  return rs.rules.findIndex((r) => r.test(lead));
}

function resolveSla(action: Action, rs: RulesetDefinition): Sla | null {
  return action.sla ?? rs.sla ?? null;
}

/**
 * The decision with its explanation: one trace entry per rule up to the match (for a rule the index ruled
 * out, the equality it failed, with the lead's value).
 */
export function matchRule(rs: CompiledRuleset, rawLead: LeadValues): RuleMatch {
  const lead = prepareLead(rawLead);
  const position = firstMatch(rs, lead);
  const upTo = position === -1 ? rs.rules.length : position;
  const trace: RuleTrace[] = [];
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
