import { fieldGetter, isMissing, toNumber, type LeadValues, type ListEnv, type ScalarTest } from './conditions';
import { EVALUATION, lowered, type Evaluation } from './budget';
import type { Condition, Leaf } from './schema';

/**
 * Candidate generation for first-match evaluation. Most conditions name something a lead must have for the
 * rule to match: a value (`eq`/`in`), a prefix or suffix, a substring, a literal inside a regex, a number
 * above or below a threshold. Filing each rule under such a necessary key lets a lead fetch, from its own
 * values, the short list of rules that could match it; only those are then tested, in rule order.
 *
 * Soundness rule for every key kind: if the condition holds for a lead, the lead produces at least one of
 * the condition's keys. A key may over-select (the rule is then tested and fails), never under-select.
 * A property test compares the indexed result with testing every rule, on random rulesets and leads.
 */

type KeyKind = 'eq' | 'pre' | 'suf' | 'tri' | 'rtri';

interface KeyIndex {
  kind: KeyKind;
  field: string;
  ci: boolean;
  get: (lead: LeadValues) => unknown;
  /** pre/suf: the needle lengths in use, so a lead offers one prefix (or suffix) per length. */
  lengths: number[];
  /** Text keys (eq on strings, prefixes, suffixes, trigrams) → rule positions. */
  byText: Map<string, number[]>;
  /** eq on numbers → rule positions. */
  byNumber: Map<number, number[]>;
  /** tri/rtri: a filter over trigram hashes, so most of a lead's trigrams are dismissed without a lookup. */
  bloom: Uint8Array;
}

const BLOOM_SIZE = 8192;
function triHash(text: string, i: number): number {
  return (text.charCodeAt(i) * 961 + text.charCodeAt(i + 1) * 31 + text.charCodeAt(i + 2)) & (BLOOM_SIZE - 1);
}

interface RangeIndex {
  field: string;
  get: (lead: LeadValues) => unknown;
  /** Lower bounds (gt/gte) sorted ascending, upper bounds (lt/lte) sorted descending. */
  lower: Array<{ bound: number; strict: boolean; position: number }>;
  upper: Array<{ bound: number; strict: boolean; position: number }>;
}

/**
 * in_list conditions on one field: each list is looked up once per lead value, whatever number of rules name
 * it (its matcher is the one the conditions share), and marks every rule filed under it. Filing each rule
 * under every value of its list made 100 rules over one 100,000-value list 10 million index entries.
 */
interface ListIndex {
  field: string;
  ci: boolean;
  get: (lead: LeadValues) => unknown;
  lists: Map<string, { test: ScalarTest; positions: number[] }>;
}

type Key = string | number;
type Plan =
  | { type: 'key'; kind: KeyKind; field: string; ci: boolean; keys: Key[]; length?: number; rank: number }
  | { type: 'list'; field: string; ci: boolean; list: string; test: ScalarTest | undefined; rank: number }
  | { type: 'range'; field: string; side: 'lower' | 'upper'; bound: number; strict: boolean; rank: number };

export interface RuleIndex {
  keyed: KeyIndex[];
  listed: ListIndex[];
  ranges: RangeIndex[];
  unindexed: number[];
  /** Scratch space, cleared after each lead (evaluation is synchronous, so one per ruleset suffices). */
  scan: Scan;
}

const ALWAYS_CI = new Set(['email', 'domain']);
const isCi = (leaf: Leaf) => ALWAYS_CI.has(leaf.field) || leaf.ignore_case === true;

function textOf(a: unknown): string | null {
  if (typeof a === 'string') return a;
  if (typeof a === 'number' && Number.isFinite(a)) return String(a);
  return null;
}

function eqKeys(values: unknown[], ci: boolean): Key[] | null {
  const keys: Key[] = [];
  for (const v of values) {
    if (typeof v === 'number') keys.push(v);
    // Numeric-looking strings and "true"/"false" compare in more than one way: not indexable.
    else if (typeof v === 'string' && toNumber(v) === null && !/^(true|false)$/i.test(v)) keys.push(ci ? v.toLowerCase() : v);
    else return null;
  }
  return keys;
}

function trigrams(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 3 <= text.length; i++) out.push(text.slice(i, i + 3));
  return out;
}

/**
 * The longest literal a regex cannot match without (at its top level, outside groups, classes and
 * optional parts), or null. Patterns with top-level alternation have none.
 */
export function requiredLiteral(pattern: string): string | null {
  // RE2's inline flags ((?i) folds case for what follows) and \Q…\E quoting change what a literal means:
  // such patterns are simply not indexed.
  if (/\(\?[imsU-]|\\Q/.test(pattern)) return null;
  let best = '';
  let run = '';
  let depth = 0;
  const flush = () => {
    if (run.length > best.length) best = run;
    run = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const next = pattern[i + 1];
    if (c === '\\') {
      const e = pattern[i + 1] ?? '';
      i++;
      const quantified = /[*+?{]/.test(pattern[i + 1] ?? '');
      if (depth === 0 && /[.\-/\\^$*+?()[\]{}|@#:_=,]/.test(e) && !quantified) run += e;
      else flush();
      continue;
    }
    if (c === '[') {
      flush();
      let j = i + 1;
      while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
      i = j;
      continue;
    }
    if (c === '(') {
      flush();
      depth++;
      continue;
    }
    if (c === ')') {
      depth--;
      continue;
    }
    if (c === '|') {
      if (depth === 0) return null;
      continue;
    }
    if (depth > 0) continue;
    if ('^$.'.includes(c) || /[*+?{]/.test(c)) {
      flush();
      continue;
    }
    if (next !== undefined && /[*+?{]/.test(next)) {
      // This character is quantified: it may be absent or repeated, so it ends the run.
      flush();
      continue;
    }
    run += c;
  }
  flush();
  return best.length >= 3 ? best : null;
}

/** How to index one comparison, if it can be. Higher rank = more selective. */
function leafPlan(leaf: Leaf, triFrequency: Map<string, number>, lists: ListEnv): Plan | null {
  const ci = isCi(leaf);
  const v = leaf.value;
  const norm = (s: string) => (ci ? s.toLowerCase() : s);
  switch (leaf.op) {
    case 'eq':
    case 'in': {
      const keys = eqKeys(Array.isArray(v) ? v : [v], ci);
      return keys ? { type: 'key', kind: 'eq', field: leaf.field, ci, keys, rank: 4 } : null;
    }
    case 'in_list': {
      // An unknown list is empty: the rule, filed under a list that marks nothing, is never a candidate.
      const list = String(v);
      return { type: 'list', field: leaf.field, ci, list, test: lists.matcher(list, ci), rank: 4 };
    }
    case 'starts_with':
    case 'ends_with': {
      const needle = norm(String(v));
      return { type: 'key', kind: leaf.op === 'starts_with' ? 'pre' : 'suf', field: leaf.field, ci, keys: [needle], length: needle.length, rank: 3 };
    }
    case 'contains': {
      const needle = norm(String(v));
      if (needle.length < 3) return null;
      return { type: 'key', kind: 'tri', field: leaf.field, ci, keys: [rarest(trigrams(needle), triFrequency)], rank: 2 };
    }
    case 'matches': {
      // Regexes get their own key kind: under the i flag they fold case the Unicode way (see regexFold).
      const literal = requiredLiteral(String(v));
      if (!literal || (ci && !/^[\x20-\x7e]*$/.test(literal))) return null;
      const text = ci ? literal.toLowerCase() : literal;
      return { type: 'key', kind: 'rtri', field: leaf.field, ci, keys: [rarest(trigrams(text), triFrequency)], rank: 2 };
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return { type: 'range', field: leaf.field, side: leaf.op.startsWith('g') ? 'lower' : 'upper', bound: v as number, strict: leaf.op.length === 2, rank: 1 };
    default:
      return null;
  }
}

function rarest(grams: string[], frequency: Map<string, number>): string {
  return grams.reduce((best, g) => ((frequency.get(g) ?? 0) < (frequency.get(best) ?? 0) ? g : best), grams[0]!);
}

/** Plans such that the rule can only match if at least one of them is satisfied; null when none exist. */
function rulePlans(when: Condition | undefined, triFrequency: Map<string, number>, lists: ListEnv): Plan[] | null {
  if (!when) return null;
  if ('all' in when) {
    let best: Plan[] | null = null;
    for (const c of when.all) {
      const p = rulePlans(c, triFrequency, lists);
      if (p && (!best || score(p) > score(best))) best = p;
    }
    return best;
  }
  if ('any' in when) {
    if (!when.any.length) return [];
    const plans: Plan[] = [];
    for (const c of when.any) {
      const p = rulePlans(c, triFrequency, lists);
      if (!p) return null;
      plans.push(...p);
    }
    return plans;
  }
  if ('not' in when) return null;
  const p = leafPlan(when, triFrequency, lists);
  return p ? [p] : null;
}

/** A single precise plan beats a union of several; among singles, the more selective kind wins. */
const score = (plans: Plan[]) => (plans.length === 0 ? 100 : Math.min(...plans.map((p) => p.rank)) - (plans.length - 1) * 0.5);

function collectNeedles(c: Condition | undefined, out: string[]): void {
  if (!c) return;
  if ('all' in c) c.all.forEach((x) => collectNeedles(x, out));
  else if ('any' in c) c.any.forEach((x) => collectNeedles(x, out));
  else if ('not' in c) collectNeedles(c.not, out);
  else if (c.op === 'contains') out.push(...trigrams(isCi(c) ? String(c.value).toLowerCase() : String(c.value)));
  else if (c.op === 'matches') out.push(...trigrams((requiredLiteral(String(c.value)) ?? '').toLowerCase()));
}

function file(map: Map<Key, number[]>, key: Key, position: number): void {
  const list = map.get(key);
  if (!list) map.set(key, [position]);
  else if (list[list.length - 1] !== position) list.push(position);
}

export function buildIndex(whens: Array<Condition | undefined>, lists: ListEnv): RuleIndex {
  // Trigram frequencies across the ruleset: each rule is filed under its rarest trigram.
  const needles: string[] = [];
  whens.forEach((w) => collectNeedles(w, needles));
  const triFrequency = new Map<string, number>();
  for (const g of needles) triFrequency.set(g, (triFrequency.get(g) ?? 0) + 1);

  const keyed = new Map<string, KeyIndex>();
  const listed = new Map<string, ListIndex>();
  const ranges = new Map<string, RangeIndex>();
  const unindexed: number[] = [];
  whens.forEach((when, position) => {
    const plans = rulePlans(when, triFrequency, lists);
    if (!plans) return unindexed.push(position);
    for (const p of plans) {
      if (p.type === 'list') {
        const name = `${p.field}|${p.ci}`;
        let idx = listed.get(name);
        if (!idx) listed.set(name, (idx = { field: p.field, ci: p.ci, get: fieldGetter(p.field), lists: new Map() }));
        if (!p.test) continue;
        let entry = idx.lists.get(p.list);
        if (!entry) idx.lists.set(p.list, (entry = { test: p.test, positions: [] }));
        if (entry.positions.at(-1) !== position) entry.positions.push(position);
        continue;
      }
      if (p.type === 'range') {
        let r = ranges.get(p.field);
        if (!r) ranges.set(p.field, (r = { field: p.field, get: fieldGetter(p.field), lower: [], upper: [] }));
        r[p.side].push({ bound: p.bound, strict: p.strict, position });
        continue;
      }
      const name = `${p.kind}|${p.field}|${p.ci}`;
      let idx = keyed.get(name);
      if (!idx) keyed.set(name, (idx = { kind: p.kind, field: p.field, ci: p.ci, get: fieldGetter(p.field), lengths: [], byText: new Map(), byNumber: new Map(), bloom: new Uint8Array(BLOOM_SIZE) }));
      if (p.length !== undefined && !idx.lengths.includes(p.length)) idx.lengths.push(p.length);
      for (const k of p.keys) {
        file((typeof k === 'number' ? idx.byNumber : idx.byText) as Map<Key, number[]>, k, position);
        if (p.kind === 'tri' || p.kind === 'rtri') idx.bloom[triHash(k as string, 0)] = 1;
      }
    }
    return undefined;
  });
  for (const r of ranges.values()) {
    r.lower.sort((a, b) => a.bound - b.bound);
    r.upper.sort((a, b) => b.bound - a.bound);
  }
  return { keyed: [...keyed.values()], listed: [...listed.values()], ranges: [...ranges.values()], unindexed, scan: { marks: new Uint8Array(whens.length), lo: 0, hi: -1 } };
}

/**
 * Case folding as a /iu regex does it, as far as it can reach ASCII: lower case, plus the two characters
 * whose simple case folding lands on an ASCII letter without toLowerCase getting there (ſ → s; K → k is
 * already done by toLowerCase). Indexed ci regex literals are ASCII, so this suffices for soundness.
 */
function regexFold(text: string): string {
  const lower = text.toLowerCase();
  return lower.includes('\u017f') ? lower.replace(/\u017f/g, 's') : lower;
}

/** Candidate marks for one lead: a bitmap over rule positions and the marked range. Reused per ruleset. */
interface Scan {
  marks: Uint8Array;
  lo: number;
  hi: number;
}

function markPosition(s: Scan, p: number): void {
  s.marks[p] = 1;
  if (p < s.lo) s.lo = p;
  if (p > s.hi) s.hi = p;
}

function markList(s: Scan, list: number[] | undefined): void {
  if (list) for (let i = 0; i < list.length; i++) markPosition(s, list[i]!);
}

/** Marks every rule filed under a key this one value offers in `idx`. */
function markKeyed(s: Scan, idx: KeyIndex, v: unknown): void {
  if (idx.kind === 'eq') {
    if (typeof v === 'number') return markList(s, idx.byNumber.get(v));
    if (typeof v !== 'string') return;
    markList(s, idx.byText.get(idx.ci ? v.toLowerCase() : v));
    if (idx.byNumber.size) {
      const n = toNumber(v);
      if (n !== null) markList(s, idx.byNumber.get(n));
    }
    return;
  }
  const raw = textOf(v);
  if (raw === null) return;
  const text = !idx.ci ? raw : idx.kind === 'rtri' ? regexFold(raw) : raw.toLowerCase();
  if (idx.kind === 'tri' || idx.kind === 'rtri') {
    for (let i = 0; i + 3 <= text.length; i++) if (idx.bloom[triHash(text, i)]) markList(s, idx.byText.get(text.slice(i, i + 3)));
    return;
  }
  for (const len of idx.lengths) {
    if (text.length >= len) markList(s, idx.byText.get(idx.kind === 'pre' ? text.slice(0, len) : text.slice(text.length - len)));
  }
}

/** Marks the rules filed under each list that holds this value (tested as the conditions test it). */
function markListed(s: Scan, idx: ListIndex, v: unknown, e: Evaluation | undefined): void {
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return;
  const lower = idx.ci && typeof v === 'string' ? lowered(e, v) : undefined;
  for (const entry of idx.lists.values()) if (entry.test(v, lower)) markList(s, entry.positions);
}

function markRange(s: Scan, r: RangeIndex, v: unknown): void {
  const n = toNumber(v);
  if (n === null) return;
  for (const e of r.lower) {
    if (e.bound > n) break;
    if (!(e.strict && e.bound === n)) markPosition(s, e.position);
  }
  for (const e of r.upper) {
    if (e.bound < n) break;
    if (!(e.strict && e.bound === n)) markPosition(s, e.position);
  }
}

/**
 * Tests the rules that could match this lead, in rule order, and returns the position of the first one
 * `test` accepts (or -1). Candidates are marked in a per-ruleset bitmap and scanned in order, which avoids
 * sorting and de-duplicating lists. Missing values and array elements follow the conditions' rules: only
 * present values offer keys, and each element of an array offers its own.
 */
export function firstCandidate(index: RuleIndex, lead: LeadValues, test: (position: number) => boolean): number {
  const s = index.scan;
  s.lo = s.marks.length;
  s.hi = -1;
  markList(s, index.unindexed);
  for (const idx of index.keyed) {
    const value = idx.get(lead);
    if (Array.isArray(value)) {
      for (const v of value) if (!isMissing(v)) markKeyed(s, idx, v);
    } else if (!isMissing(value)) markKeyed(s, idx, value);
  }
  for (const idx of index.listed) {
    const value = idx.get(lead);
    if (Array.isArray(value)) {
      for (const v of value) if (!isMissing(v)) markListed(s, idx, v, lead[EVALUATION]);
    } else if (!isMissing(value)) markListed(s, idx, value, lead[EVALUATION]);
  }
  for (const r of index.ranges) {
    const value = r.get(lead);
    if (Array.isArray(value)) {
      for (const v of value) markRange(s, r, v);
    } else markRange(s, r, value);
  }
  const { marks, hi } = s;
  for (let p = s.lo; p <= hi; p++) {
    if (!marks[p]) continue;
    marks[p] = 0;
    if (test(p)) {
      if (p < hi) marks.fill(0, p + 1, hi + 1);
      return p;
    }
  }
  return -1;
}
