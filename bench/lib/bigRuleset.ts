/**
 * A large, realistic ruleset: mostly equality on a routing field, plus ranges, text tests, alternatives and
 * regexes, with the rules that leads are meant to reach at the end (by `attributes.segment` and employees).
 * Deterministic, so every run measures the same rules.
 */
export const SEGMENTS = ['smb', 'mid-market', 'enterprise', 'strategic', 'public-sector'];
const STRATEGIES = ['ROUND_ROBIN', 'WEIGHTED', 'LOAD_BALANCED'] as const;

export function bigRules(count: number, teamOf: (i: number) => string, extraThen: object = {}): object[] {
  return Array.from({ length: count }, (_, i) => {
    const shape = i % 20;
    const then = { strategy: STRATEGIES[(i * 7) % 3], team: teamOf(i), ...extraThen };
    let when: object;
    if (i >= count - 10) {
      when = { all: [{ field: 'attributes.segment', op: 'eq', value: SEGMENTS[i % SEGMENTS.length] }, { field: 'employees', op: 'gte', value: (i % 5) * 100 }] };
    } else if (shape < 6) {
      when = { all: [{ field: 'country', op: 'in', value: [`X${i}`, `Y${i}`] }, { field: 'employees', op: 'gte', value: 50 + i }] };
    } else if (shape < 10) {
      when = { field: 'source', op: 'eq', value: `campaign-${i}` };
    } else if (shape < 12) {
      when = { all: [{ field: 'industry', op: 'in', value: [`vertical-${i}`, `vertical-${i + 1}`] }, { field: 'score', op: 'gt', value: 50 }] };
    } else if (shape < 14) {
      when = { all: [{ field: 'employees', op: 'gte', value: 2_000_000 + i }, { field: 'score', op: 'lt', value: 90 }] };
    } else if (shape < 16) {
      when = { any: [{ field: 'company', op: 'contains', value: `Holding-${i}` }, { field: 'attributes.plan', op: 'eq', value: `plan-${i}` }] };
    } else if (shape < 18) {
      when = { all: [{ field: 'email', op: 'ends_with', value: `@corp-${i}.com` }, { not: { field: 'state', op: 'eq', value: 'CA' } }] };
    } else if (shape < 19) {
      when = { field: 'external_id', op: 'starts_with', value: `legacy-${i}-` };
    } else {
      when = { field: 'domain', op: 'matches', value: `^(www\\.)?acme-${i}\\.(com|io)$` };
    }
    return { id: `rule-${i}`, when, then };
  });
}
