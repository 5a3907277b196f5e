import fc from 'fast-check';
import { compileRuleset, firstMatch, firstMatchNaive, matchRule } from '../../src/routing/rules';
import { RulesetDefinitionSchema, type RulesetDefinition } from '../../src/routing/schema';

const ruleset = (def: unknown): RulesetDefinition => RulesetDefinitionSchema.parse(def);

const DESIGN_EXAMPLE = ruleset({
  rules: [
    {
      id: 'enterprise-emea',
      when: { all: [{ field: 'country', op: 'in', value: ['DE', 'FR', 'GB'] }, { field: 'employees', op: 'gte', value: 1000 }] },
      then: { strategy: 'ROUND_ROBIN', team: 'emea-ae', sla: { first_touch_minutes: 15 } },
    },
    { id: 'us-inbound', when: { field: 'country', op: 'eq', value: 'US' }, then: { strategy: 'WEIGHTED', team: 'amer' } },
    { id: 'gmail', when: { field: 'email', op: 'ends_with', value: '@gmail.com' }, then: { strategy: 'ROUND_ROBIN', team: 'sdr' } },
  ],
  fallback: { strategy: 'LOAD_BALANCED', team: 'sdr' },
  sla: { first_touch_minutes: 60 },
});

describe('first-match rule selection', () => {
  const rs = compileRuleset(DESIGN_EXAMPLE);

  it('takes the first rule that matches and its own SLA', () => {
    const m = matchRule(rs, { email: 'cfo@bmw.de', country: 'DE', employees: 120000 });
    expect(m).toMatchObject({ rule_id: 'enterprise-emea', source: 'RULE', action: { team: 'emea-ae' }, sla: { first_touch_minutes: 15 } });
    expect(m.trace).toEqual([{ rule_id: 'enterprise-emea', matched: true }]);
  });

  it('explains each rule it passed over: which condition failed, with the actual value', () => {
    const m = matchRule(rs, { email: 'jo@gmail.com', country: 'DE', employees: 40 });
    expect(m.rule_id).toBe('gmail');
    expect(m.sla).toEqual({ first_touch_minutes: 60, business_hours: false, escalations: [], max_reassignments: 3 });
    expect(m.trace).toEqual([
      { rule_id: 'enterprise-emea', matched: false, failed: { path: 'when.all[1]', field: 'employees', op: 'gte', value: 1000, actual: 40 } },
      { rule_id: 'us-inbound', matched: false, failed: { path: 'when', field: 'country', op: 'eq', value: 'US', actual: 'DE' } },
      { rule_id: 'gmail', matched: true },
    ]);
  });

  it('uses the ruleset fallback when no rule matches, and says so', () => {
    const m = matchRule(rs, { email: 'a@b.io', country: 'BR' });
    expect(m).toMatchObject({ rule_id: null, source: 'FALLBACK', action: { strategy: 'LOAD_BALANCED', team: 'sdr' } });
    expect(m.trace).toHaveLength(3);
    expect(m.trace[0]!.failed).toMatchObject({ field: 'country', actual: 'BR' });
    expect(m.trace[1]!.failed).toMatchObject({ field: 'country', actual: 'BR' });
  });

  it('reports a missing field as actual null', () => {
    const m = matchRule(rs, { email: 'a@b.io' });
    expect(m.trace[0]!.failed).toMatchObject({ field: 'country', actual: null });
  });

  it('has no action when nothing matches and there is no fallback', () => {
    const m = matchRule(compileRuleset(ruleset({ rules: [] })), { email: 'a@b.io' });
    expect(m).toMatchObject({ rule_id: null, source: 'NONE', action: null });
  });

  it('matches a rule without conditions for every lead', () => {
    const rs2 = compileRuleset(ruleset({ rules: [{ id: 'all', then: { strategy: 'OWNER' } }] }));
    expect(matchRule(rs2, { email: 'x@y.z' }).rule_id).toBe('all');
  });
});

describe('the equality index never changes a decision', () => {
  const FIELDS = ['country', 'source', 'industry', 'employees', 'email', 'attributes.plan'];
  const VALUES = ['DE', 'de', 'US', 'web', 'ads', 'saas', '100', 100, 5000, '5000', 'true', true, 'a@x.io', 'A@X.IO', ''];
  const scalar = fc.constantFrom(...VALUES);
  const leaf = fc.record({
    field: fc.constantFrom(...FIELDS),
    op: fc.constantFrom('eq', 'in', 'neq', 'not_in', 'gte', 'lt', 'contains', 'exists'),
    value: scalar,
    list: fc.array(scalar, { minLength: 1, maxLength: 4 }),
    ignore_case: fc.boolean(),
  }).map((l) => {
    if (l.op === 'in' || l.op === 'not_in') return { field: l.field, op: l.op, value: l.list, ignore_case: l.ignore_case };
    if (l.op === 'gte' || l.op === 'lt') return { field: l.field, op: l.op, value: typeof l.value === 'number' ? l.value : 50 };
    if (l.op === 'contains') return { field: l.field, op: l.op, value: String(l.value) || 'x', ignore_case: l.ignore_case };
    if (l.op === 'exists') return { field: l.field, op: l.op };
    return { field: l.field, op: l.op, value: l.value, ignore_case: l.ignore_case };
  });
  const when = fc.oneof(leaf, fc.record({ all: fc.array(leaf, { minLength: 1, maxLength: 3 }) }), fc.record({ any: fc.array(leaf, { maxLength: 3 }) }));
  const rulesetArb = fc.array(when, { maxLength: 25 }).map((ws) =>
    ruleset({ rules: ws.map((w, i) => ({ id: `r${i}`, when: w, then: { strategy: 'ROUND_ROBIN', team: 't' } })) }),
  );
  const leadArb = fc.record(
    { country: scalar, source: scalar, industry: scalar, employees: scalar, email: scalar, attributes: fc.record({ plan: fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })) }) },
    { requiredKeys: [] },
  );

  it('gives the same first match as testing every rule in order', () => {
    fc.assert(
      fc.property(rulesetArb, fc.array(leadArb, { minLength: 1, maxLength: 20 }), (def, leads) => {
        const rs = compileRuleset(def);
        for (const lead of leads) expect(firstMatch(rs, lead as never)).toBe(firstMatchNaive(rs, lead as never));
      }),
      { numRuns: 500 },
    );
  });
});
