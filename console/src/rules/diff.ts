import type { Draft, Rule } from './model';

export interface Change {
  what: string;
  kind: 'added' | 'removed' | 'changed' | 'moved';
  before?: unknown;
  after?: unknown;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** What publishing `next` would change against the active rules: rule by rule, then the fallback and the SLA. */
export function diffRulesets(active: Pick<Draft, 'rules' | 'fallback' | 'sla'> | null, next: Pick<Draft, 'rules' | 'fallback' | 'sla'>): Change[] {
  const before = new Map<string, Rule>((active?.rules ?? []).map((r) => [r.id, r]));
  const order = (active?.rules ?? []).map((r) => r.id);
  const changes: Change[] = [];
  next.rules.forEach((r) => {
    const old = before.get(r.id);
    if (!old) changes.push({ what: `rule ${r.id}`, kind: 'added', after: r });
    else if (!same(old, r)) changes.push({ what: `rule ${r.id}`, kind: 'changed', before: old, after: r });
  });
  for (const [id, r] of before) if (!next.rules.some((x) => x.id === id)) changes.push({ what: `rule ${id}`, kind: 'removed', before: r });
  const kept = next.rules.map((r) => r.id).filter((id) => before.has(id));
  if (!same(kept, order.filter((id) => kept.includes(id)))) changes.push({ what: 'the order of the rules', kind: 'moved', before: order, after: next.rules.map((r) => r.id) });
  if (!same(active?.fallback, next.fallback)) changes.push({ what: 'the fallback', kind: active?.fallback ? (next.fallback ? 'changed' : 'removed') : 'added', before: active?.fallback, after: next.fallback });
  if (!same(active?.sla, next.sla)) changes.push({ what: 'the default SLA', kind: active?.sla ? (next.sla ? 'changed' : 'removed') : 'added', before: active?.sla, after: next.sla });
  return changes;
}
