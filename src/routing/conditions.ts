import { compileRegex, MATCH_INPUT_LIMIT } from './regex';
import { CONDITION_COST, EVALUATION, lowered, REGEX_STEP_COST, spend, type Evaluation } from './budget';
import { LEAD_FIELDS, type Condition, type FailedCondition, type Leaf } from './schema';
import { quoted } from './quote';

/**
 * Condition evaluation over a lead. The coercion rules, which the tests pin down one by one:
 *
 * - Missing means undefined, null or "". A missing field satisfies only `exists: false`, `neq` and `not_in`.
 * - Numbers and numeric strings compare as numbers: 1000 eq "1000", "1000" gte 999. A rule value that is a
 *   string compares as a string with a string field ("1000" eq "1000.0" is false).
 * - Booleans match booleans and the strings "true"/"false" in any case.
 * - Strings compare case-sensitively, except for `email` and `domain` (always case-insensitive) and when the
 *   condition says `ignore_case: true`.
 * - contains / starts_with / ends_with / matches work on strings and on numbers read as their decimal text.
 * - gt / gte / lt / lte need something that reads as a number; anything else does not match.
 * - An array field (a multi-select attribute) matches when any element matches; `neq` / `not_in` hold when
 *   no element is equal.
 * - `domain` falls back to the part of `email` after the @ when the lead has no domain of its own.
 */

/** Set by the rule matcher for one lead's evaluation (budget.ts): what it may still spend, what it lowered. */
export type LeadValues = Record<string, unknown> & { attributes?: Record<string, unknown> | null; [EVALUATION]?: Evaluation };

/** What rules see of a lead (a stored row, or a lead being simulated): its fields and attributes, nothing else. */
export function leadValues(lead: Record<string, unknown>): LeadValues {
  const values: LeadValues = { attributes: (lead.attributes as Record<string, unknown> | null | undefined) ?? {} };
  for (const f of LEAD_FIELDS) values[f] = lead[f];
  return values;
}


const ALWAYS_CI = new Set(['email', 'domain']);
const NUMERIC_RE = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

export function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && NUMERIC_RE.test(v)) {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

export const isMissing = (v: unknown): boolean => v === undefined || v === null || v === '';

export function emailDomain(email: unknown): string | undefined {
  if (typeof email !== 'string') return undefined;
  const at = email.lastIndexOf('@');
  return at >= 0 ? email.slice(at + 1) : undefined;
}

export function fieldGetter(field: string): (lead: LeadValues) => unknown {
  if (field.startsWith('attributes.')) {
    const name = field.slice('attributes.'.length);
    // Only the lead's own attributes: `attributes.constructor` must not find Object.prototype.constructor.
    return (lead) => (lead.attributes && Object.hasOwn(lead.attributes, name) ? lead.attributes[name] : undefined);
  }
  if (field === 'domain') return (lead) => (isMissing(lead.domain) ? emailDomain(lead.email) : lead.domain);
  return (lead) => lead[field];
}

type Scalar = string | number | boolean;
/** A test of one scalar; `lower` is the value lower-cased (once per lead evaluation), when the test folds case. */
export type ScalarTest = (a: Scalar, lower?: string) => boolean;

/**
 * Equality against any of `values`, following the rules above, with the work done at compile time. The test
 * takes the lead's text already lower-cased when `ci` (the caller lowers it once per evaluation).
 */
export function equalityMatcher(values: readonly Scalar[], ci: boolean): ScalarTest {
  const norm = (s: string) => (ci ? s.toLowerCase() : s);
  const strings = new Set<string>();
  const numbers = new Set<number>();
  const numbersFromStrings = new Set<number>();
  const boolTexts = new Set<string>();
  const bools = new Set<boolean>();
  for (const v of values) {
    if (typeof v === 'number') numbers.add(v);
    else if (typeof v === 'boolean') bools.add(v);
    else {
      strings.add(norm(v));
      const n = toNumber(v);
      if (n !== null) numbersFromStrings.add(n);
      const lower = v.toLowerCase();
      if (lower === 'true' || lower === 'false') boolTexts.add(lower);
    }
  }
  return (a, lower) => {
    if (typeof a === 'number') return numbers.has(a) || numbersFromStrings.has(a);
    if (typeof a === 'boolean') return bools.has(a) || boolTexts.has(String(a));
    if (strings.has(ci ? (lower ?? a.toLowerCase()) : a)) return true;
    if (numbers.size) {
      const n = toNumber(a);
      if (n !== null && numbers.has(n)) return true;
    }
    if (bools.size) {
      const text = lower ?? a.toLowerCase();
      if ((text === 'true' && bools.has(true)) || (text === 'false' && bools.has(false))) return true;
    }
    return false;
  };
}

function asText(a: unknown): string | null {
  if (typeof a === 'string') return a;
  if (typeof a === 'number' && Number.isFinite(a)) return String(a);
  return null;
}

const isScalar = (v: unknown): v is Scalar => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

export type LeadTest = (lead: LeadValues) => boolean;

/**
 * Named lists (in_list, not_in_list) as a compiled ruleset holds them: each list's matcher is built once and
 * shared by every condition, in every rule, that names it (100 rules over one 100,000-value list hold one
 * set of values, not 100 copies). Undefined for a list the ruleset has no values for: it is empty.
 * A matcher is kept with the array of values it was built from, so rulesets compiled from the same array (the
 * API's simulations of drafts, fed by its list cache) share it instead of building the set again.
 */
export interface ListEnv {
  matcher(name: string, ci: boolean): ScalarTest | undefined;
}

export const NO_LISTS: ListEnv = { matcher: () => undefined };

const matchersOf = new WeakMap<readonly Scalar[], { ci?: ScalarTest; cs?: ScalarTest }>();

export function listEnv(lists: Readonly<Record<string, readonly Scalar[]>>): ListEnv {
  return {
    matcher(name, ci) {
      const values = Object.hasOwn(lists, name) ? lists[name] : undefined;
      if (!values) return undefined;
      let built = matchersOf.get(values);
      if (!built) matchersOf.set(values, (built = {}));
      return ci ? (built.ci ??= equalityMatcher(values, true)) : (built.cs ??= equalityMatcher(values, false));
    },
  };
}

const textLength = (a: Scalar) => (typeof a === 'string' ? a.length : 8);

/**
 * Applies a scalar test to a field value that may be an array (any element) or not a scalar at all, paying
 * for each element tested: the condition's base cost and the characters compared. Out of budget, nothing more
 * matches.
 */
function anyElement(l: LeadValues, a: unknown, ci: boolean, test: ScalarTest, extra: (a: Scalar) => number = textLength): boolean {
  const e = l[EVALUATION];
  const one = (x: Scalar) => {
    if (!spend(e, CONDITION_COST + extra(x))) return false;
    return test(x, ci && typeof x === 'string' ? lowered(e, x) : undefined);
  };
  if (Array.isArray(a)) {
    for (const x of a) if (!isMissing(x) && isScalar(x) && one(x)) return true;
    return false;
  }
  if (!isScalar(a)) return spend(e, CONDITION_COST) && false;
  return one(a);
}

/** Compiles one comparison. `lists` resolves in_list/not_in_list names to the ruleset's shared matchers. */
export function compileLeaf(leaf: Leaf, lists: ListEnv = NO_LISTS): LeadTest {
  const get = fieldGetter(leaf.field);
  const ci = ALWAYS_CI.has(leaf.field) || leaf.ignore_case === true;
  const v = leaf.value;
  switch (leaf.op) {
    case 'exists': {
      const want = v !== false;
      return (l) => {
        if (!spend(l[EVALUATION], CONDITION_COST)) return false;
        const a = get(l);
        const present = !isMissing(a) && !(Array.isArray(a) && a.length === 0);
        return present === want;
      };
    }
    case 'eq':
    case 'in':
    case 'in_list': {
      const test = leaf.op === 'in_list' ? lists.matcher(String(v), ci) : equalityMatcher(Array.isArray(v) ? v : [v as Scalar], ci);
      if (!test) return () => false;
      return (l) => {
        const a = get(l);
        return !isMissing(a) && anyElement(l, a, ci, test);
      };
    }
    case 'neq':
    case 'not_in':
    case 'not_in_list': {
      const test = leaf.op === 'not_in_list' ? lists.matcher(String(v), ci) : equalityMatcher(Array.isArray(v) ? v : [v as Scalar], ci);
      if (!test) return (l) => spend(l[EVALUATION], CONDITION_COST);
      return (l) => {
        const a = get(l);
        if (isMissing(a)) return spend(l[EVALUATION], CONDITION_COST);
        const found = anyElement(l, a, ci, test);
        return !found && !l[EVALUATION]?.exhausted;
      };
    }
    case 'contains':
    case 'starts_with':
    case 'ends_with': {
      const needle = ci ? String(v).toLowerCase() : String(v);
      const op = leaf.op;
      const test: ScalarTest = (a, lower) => {
        const text = asText(a);
        if (text === null) return false;
        const hay = lower ?? (ci ? text.toLowerCase() : text);
        return op === 'contains' ? hay.includes(needle) : op === 'starts_with' ? hay.startsWith(needle) : hay.endsWith(needle);
      };
      // A number is compared as its decimal text, which it lowers to without folding.
      const ciTest: ScalarTest = (a, lower) => test(a, typeof a === 'number' ? String(a) : lower);
      const cost = (a: Scalar) => textLength(a) * (ci ? 2 : 1) + needle.length;
      return (l) => anyElement(l, get(l), ci, ciTest, cost);
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const bound = v as number;
      const op = leaf.op;
      const test: ScalarTest = (a) => {
        const n = toNumber(a);
        if (n === null) return false;
        return op === 'gt' ? n > bound : op === 'gte' ? n >= bound : op === 'lt' ? n < bound : n <= bound;
      };
      return (l) => anyElement(l, get(l), false, test);
    }
    case 'matches': {
      const re = compileRegex(String(v), ci);
      if (!re) return () => false;
      const tested = (a: Scalar) => {
        const text = asText(a) ?? '';
        return text.length > MATCH_INPUT_LIMIT ? text.slice(0, MATCH_INPUT_LIMIT) : text;
      };
      const test: ScalarTest = (a) => asText(a) !== null && re.test(tested(a));
      return (l) => anyElement(l, get(l), false, test, (a) => tested(a).length * re.unitCost * REGEX_STEP_COST);
    }
  }
}

export function compileCondition(c: Condition, lists: ListEnv = NO_LISTS): LeadTest {
  if ('all' in c) {
    const parts = c.all.map((x) => compileCondition(x, lists));
    return (l) => {
      for (const p of parts) if (!p(l)) return false;
      return true;
    };
  }
  if ('any' in c) {
    const parts = c.any.map((x) => compileCondition(x, lists));
    return (l) => {
      for (const p of parts) if (p(l)) return true;
      return false;
    };
  }
  if ('not' in c) {
    const inner = compileCondition(c.not, lists);
    return (l) => !inner(l);
  }
  return compileLeaf(c, lists);
}

export type LeadExplainer = (lead: LeadValues) => FailedCondition | null;

/** Set on the condition that was being tested when the lead's evaluation budget ran out. */
const cutShort = (l: LeadValues) => (l[EVALUATION]?.exhausted ? { reason: 'BUDGET_EXHAUSTED' as const } : {});

/**
 * Like compileCondition, but says which condition failed and with what value. What it quotes is bounded
 * (quote.ts): a lead's 60 KB attribute, or an inline `in` of 1,000 values, is not copied into the explanation
 * of every rule it failed.
 */
export function compileExplainer(c: Condition, path: string, lists: ListEnv = NO_LISTS): LeadExplainer {
  if ('all' in c) {
    const parts = c.all.map((x, i) => compileExplainer(x, `${path}.all[${i}]`, lists));
    return (l) => {
      for (const p of parts) {
        const failed = p(l);
        if (failed) return failed;
      }
      return null;
    };
  }
  if ('any' in c) {
    const test = compileCondition(c, lists);
    return (l) => (test(l) ? null : { path: `${path}.any`, op: 'any', value: `none of ${c.any.length} alternatives matched`, ...cutShort(l) });
  }
  if ('not' in c) {
    const test = compileCondition(c, lists);
    return (l) => (test(l) ? null : { path: `${path}.not`, op: 'not', value: 'the negated condition matched', ...cutShort(l) });
  }
  const test = compileLeaf(c, lists);
  const get = fieldGetter(c.field);
  // A list condition's value is the list's name, not its (up to 100,000) values.
  const value = quoted(c.value ?? (c.op === 'exists' ? true : undefined));
  return (l) => {
    if (test(l) && !l[EVALUATION]?.exhausted) return null;
    const actual = quoted(get(l) ?? null);
    return { path, field: c.field, op: c.op, value: value.quote, ...(value.length === undefined ? {} : { value_length: value.length }), actual: actual.quote, ...(actual.length === undefined ? {} : { actual_length: actual.length }), ...cutShort(l) };
  };
}
