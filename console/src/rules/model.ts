import type { Schemas } from '../api';

/**
 * The editor works on the ruleset as the API takes it; these looser types let a half-built rule exist
 * (a condition with no value yet). The API's validation, shown at each field, is the judge.
 */
export type Leaf = { field: string; op: string; value?: unknown; ignore_case?: boolean };
export type Cond = { all: Cond[] } | { any: Cond[] } | { not: Cond } | Leaf;
export type Action = {
  strategy: string;
  team?: string;
  rep_ids?: string[];
  rep_id?: string;
  respect_working_hours?: boolean;
  set_owner?: boolean;
  notify_on_assign?: boolean;
  sla?: Sla;
  fallback?: Omit<Action, 'sla' | 'fallback' | 'notify_on_assign'>;
};
export type Sla = { first_touch_minutes: number; business_hours?: boolean; escalations?: Array<{ after_minutes: number; action: string }>; max_reassignments?: number };
export type Rule = { id: string; name?: string; when?: Cond; then: Action; reroute_on_change?: string[] };
export type Draft = { name: string; rules: Rule[]; fallback?: Action; sla?: Sla };

export const isGroup = (c: Cond): c is { all: Cond[] } | { any: Cond[] } => 'all' in c || 'any' in c;
export const isNot = (c: Cond): c is { not: Cond } => 'not' in c;

export function draftOf(r: Schemas['Ruleset']): Draft {
  return { name: r.name, rules: r.rules as unknown as Rule[], ...(r.fallback ? { fallback: r.fallback as Action } : {}), ...(r.sla ? { sla: r.sla as Sla } : {}) };
}

/** The definition the API routes by (name aside), for Test and for the diff. */
export const definitionOf = (d: Draft) => ({ rules: d.rules, ...(d.fallback ? { fallback: d.fallback } : {}), ...(d.sla ? { sla: d.sla } : {}) });

/** Replaces the value at `path` (keys and indexes) in a copy of `root`; undefined removes it. */
export function setIn<T>(root: T, path: Array<string | number>, value: unknown): T {
  if (path.length === 0) return value as T;
  const [head, ...rest] = path;
  const copy: Record<string | number, unknown> = Array.isArray(root) ? [...(root as unknown[])] as unknown as Record<number, unknown> : { ...(root as object) };
  const next = setIn((copy as Record<string | number, unknown>)[head!], rest, value);
  if (next === undefined && !Array.isArray(copy)) delete copy[head!];
  else copy[head!] = next;
  return copy as T;
}

/** The API's error path for a place in the draft: ['rules', 0, 'when', 'all', 1] → rules[0].when.all[1]. */
export const pathText = (path: Array<string | number>): string =>
  path.reduce<string>((out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : out ? `${out}.${seg}` : seg), '');

export type Errors = Record<string, string>;
/** The message for exactly this place, or (with `below`) for anything inside it. */
export function errorAt(errors: Errors, path: Array<string | number>, below = false): string | undefined {
  const p = pathText(path);
  if (errors[p]) return errors[p];
  if (!below) return undefined;
  return Object.entries(errors).find(([k]) => k.startsWith(`${p}.`) || k.startsWith(`${p}[`))?.[1];
}

const NUMERIC = new Set(['score', 'employees']);
/** A typed value as the API wants it: numbers for numeric fields and comparisons, arrays for in and not_in. */
export function valueFrom(text: string, field: string, op: string): unknown {
  const one = (t: string): unknown => {
    const s = t.trim();
    if ((NUMERIC.has(field) || ['gt', 'gte', 'lt', 'lte'].includes(op)) && s !== '' && !Number.isNaN(Number(s))) return Number(s);
    if (s === 'true' || s === 'false') return field.startsWith('attributes.') ? s === 'true' : s;
    return s;
  };
  if (op === 'in' || op === 'not_in') return text.split(',').map(one).filter((v) => v !== '');
  return one(text);
}
export const valueText = (v: unknown): string => (Array.isArray(v) ? v.join(', ') : v === undefined || v === null ? '' : String(v));
