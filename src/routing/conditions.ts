import { compileRegex, MATCH_INPUT_LIMIT, type RegexBudget } from './regex';
import { LEAD_FIELDS, type Condition, type FailedCondition, type Leaf } from './schema';

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

/** Set by the rule matcher for one lead's evaluation: bounds the `matches` work it may do. */
export const REGEX_BUDGET = Symbol('regexBudget');

export type LeadValues = Record<string, unknown> & { attributes?: Record<string, unknown> | null; [REGEX_BUDGET]?: RegexBudget };

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
type ScalarTest = (a: Scalar) => boolean;

/** Equality against any of `values`, following the rules above, with the work done at compile time. */
function equalityMatcher(values: Scalar[], ci: boolean): ScalarTest {
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
  return (a) => {
    if (typeof a === 'number') return numbers.has(a) || numbersFromStrings.has(a);
    if (typeof a === 'boolean') return bools.has(a) || boolTexts.has(String(a));
    if (strings.has(norm(a))) return true;
    if (numbers.size) {
      const n = toNumber(a);
      if (n !== null && numbers.has(n)) return true;
    }
    if (bools.size) {
      const lower = a.toLowerCase();
      if ((lower === 'true' && bools.has(true)) || (lower === 'false' && bools.has(false))) return true;
    }
    return false;
  };
}

function asText(a: unknown): string | null {
  if (typeof a === 'string') return a;
  if (typeof a === 'number' && Number.isFinite(a)) return String(a);
  return null;
}

/** Applies a scalar test to a field value that may be an array (any element) or not a scalar at all. */
function anyElement(a: unknown, test: ScalarTest): boolean {
  if (Array.isArray(a)) return a.some((x) => !isMissing(x) && isScalar(x) && test(x));
  return isScalar(a) && test(a);
}

const isScalar = (v: unknown): v is Scalar => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

export type LeadTest = (lead: LeadValues) => boolean;

export function compileLeaf(leaf: Leaf): LeadTest {
  const get = fieldGetter(leaf.field);
  const ci = ALWAYS_CI.has(leaf.field) || leaf.ignore_case === true;
  const norm = (s: string) => (ci ? s.toLowerCase() : s);
  const v = leaf.value;
  switch (leaf.op) {
    case 'exists': {
      const want = v !== false;
      return (l) => {
        const a = get(l);
        const present = !isMissing(a) && !(Array.isArray(a) && a.length === 0);
        return present === want;
      };
    }
    case 'eq':
    case 'in': {
      const test = equalityMatcher(Array.isArray(v) ? v : [v as Scalar], ci);
      return (l) => {
        const a = get(l);
        return !isMissing(a) && anyElement(a, test);
      };
    }
    case 'neq':
    case 'not_in': {
      const test = equalityMatcher(Array.isArray(v) ? v : [v as Scalar], ci);
      return (l) => {
        const a = get(l);
        return isMissing(a) || !anyElement(a, test);
      };
    }
    case 'contains':
    case 'starts_with':
    case 'ends_with': {
      const needle = norm(String(v));
      const op = leaf.op;
      const test: ScalarTest = (a) => {
        const text = asText(a);
        if (text === null) return false;
        const hay = norm(text);
        return op === 'contains' ? hay.includes(needle) : op === 'starts_with' ? hay.startsWith(needle) : hay.endsWith(needle);
      };
      return (l) => anyElement(get(l), test);
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
      return (l) => anyElement(get(l), test);
    }
    case 'in_list':
    case 'not_in_list':
      // Only reached for a list the ruleset has no values for (withLists resolves the others): it is empty.
      return leaf.op === 'in_list' ? () => false : () => true;
    case 'matches': {
      const re = compileRegex(String(v), ci);
      if (!re) return () => false;
      return (l) => {
        const budget = l[REGEX_BUDGET];
        return anyElement(get(l), (a) => {
          const text = asText(a);
          if (text === null) return false;
          const tested = text.length > MATCH_INPUT_LIMIT ? text.slice(0, MATCH_INPUT_LIMIT) : text;
          if (budget) {
            const cost = tested.length * re.unitCost;
            if (cost > budget.left) {
              budget.left = 0;
              budget.exhausted = true;
              return false;
            }
            budget.left -= cost;
          }
          return re.test(tested);
        });
      };
    }
  }
}

export function compileCondition(c: Condition): LeadTest {
  if ('all' in c) {
    const parts = c.all.map(compileCondition);
    return (l) => {
      for (const p of parts) if (!p(l)) return false;
      return true;
    };
  }
  if ('any' in c) {
    const parts = c.any.map(compileCondition);
    return (l) => {
      for (const p of parts) if (p(l)) return true;
      return false;
    };
  }
  if ('not' in c) {
    const inner = compileCondition(c.not);
    return (l) => !inner(l);
  }
  return compileLeaf(c);
}

export type LeadExplainer = (lead: LeadValues) => FailedCondition | null;

/** Like compileCondition, but says which condition failed and with what value. */
export function compileExplainer(c: Condition, path: string): LeadExplainer {
  if ('all' in c) {
    const parts = c.all.map((x, i) => compileExplainer(x, `${path}.all[${i}]`));
    return (l) => {
      for (const p of parts) {
        const failed = p(l);
        if (failed) return failed;
      }
      return null;
    };
  }
  if ('any' in c) {
    const test = compileCondition(c);
    return (l) => (test(l) ? null : { path: `${path}.any`, op: 'any', value: `none of ${c.any.length} alternatives matched` });
  }
  if ('not' in c) {
    const test = compileCondition(c);
    return (l) => (test(l) ? null : { path: `${path}.not`, op: 'not', value: 'the negated condition matched' });
  }
  const test = compileLeaf(c);
  const get = fieldGetter(c.field);
  return (l) => {
    if (test(l)) return null;
    const actual = get(l);
    const cut = c.op === 'matches' && l[REGEX_BUDGET]?.exhausted === true;
    // A list condition is explained by the list's name, not its (up to 100,000) values.
    const listed = c.list !== undefined;
    return {
      path,
      field: c.field,
      op: listed ? (c.op === 'in' ? 'in_list' : 'not_in_list') : c.op,
      value: listed ? c.list : (c.value ?? (c.op === 'exists' ? true : undefined)),
      actual: actual === undefined ? null : actual,
      ...(cut ? { reason: 'REGEX_BUDGET_EXHAUSTED' as const } : {}),
    };
  };
}
