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

describe('the rule index never changes a decision', () => {
  const FIELDS = ['country', 'source', 'email', 'domain', 'employees', 'attributes.plan'];
  const TEXTS = ['DE', 'de', 'US', 'web', 'webinar', 'Web-2026', 'ads', 'saas', '100', '5000', 'true', 'a@x.io', 'A@X.IO', 'b@acme.com', 'acme.com', 'ACME.COM', 'ſab', 'sab', '', 'x.io'];
  const scalar = fc.oneof(fc.constantFrom<string | number | boolean>(...TEXTS, 100, 5000, 5000.5, -1, true), fc.string({ maxLength: 6 }));
  const needle = fc.oneof(fc.constantFrom('web', 'acme', 'ACME', '.com', '@x', 'ab', 'sab', 'ſab', '500', 'de'), fc.string({ minLength: 1, maxLength: 4 }));
  const regex = fc.constantFrom('^web', 'acme\\.com$', '^(www\\.)?acme\\.(com|io)$', 'sab', 'x\\.io', '50+0', '^[a-z]+@', 'a|b', 'web(inar)?-\\d+');
  const leaf = fc.record({
    field: fc.constantFrom(...FIELDS),
    op: fc.constantFrom('eq', 'in', 'neq', 'not_in', 'gt', 'gte', 'lt', 'lte', 'contains', 'starts_with', 'ends_with', 'matches', 'exists', 'in_list', 'not_in_list'),
    listName: fc.constantFrom('mixed', 'domains', 'unknown'),
    value: scalar,
    list: fc.array(scalar, { minLength: 1, maxLength: 4 }),
    needle,
    regex,
    bound: fc.constantFrom(0, 50, 100, 5000, 5000.5),
    ignore_case: fc.boolean(),
  }).map((l) => {
    const base = { field: l.field, ignore_case: l.ignore_case };
    switch (l.op) {
      case 'in':
      case 'not_in':
        return { ...base, op: l.op, value: l.list };
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte':
        return { field: l.field, op: l.op, value: l.bound };
      case 'contains':
      case 'starts_with':
      case 'ends_with':
        return { ...base, op: l.op, value: l.needle };
      case 'matches':
        return { ...base, op: l.op, value: l.regex };
      case 'exists':
        return { field: l.field, op: l.op };
      case 'in_list':
      case 'not_in_list':
        return { ...base, op: l.op, value: l.listName };
      default:
        return { ...base, op: l.op, value: l.value };
    }
  });
  const group = (inner: fc.Arbitrary<unknown>) =>
    fc.oneof(inner, fc.record({ all: fc.array(inner, { maxLength: 3 }) }), fc.record({ any: fc.array(inner, { maxLength: 3 }) }), fc.record({ not: inner }));
  const when = group(group(leaf));
  const rulesetArb = fc.array(when, { maxLength: 25 }).map((ws) =>
    ruleset({ rules: ws.map((w, i) => ({ id: `r${i}`, when: w, then: { strategy: 'ROUND_ROBIN', team: 't' } })) }),
  );
  const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.constant(null));
  // Named lists of the same kinds of values as the leads (numbers, numeric text, booleans, either case); "unknown" has none.
  const NAMED = { mixed: ['DE', 'web', '100', 5000, true, 'a@x.io', 'ſab'], domains: ['acme.com', 'x.io', 'US'] };
  const leadArb = fc.record({ country: value, source: value, email: value, domain: value, employees: value, attributes: fc.record({ plan: value }) }, { requiredKeys: [] });

  it('gives the same first match as testing every rule in order', () => {
    fc.assert(
      fc.property(rulesetArb, fc.array(leadArb, { minLength: 1, maxLength: 20 }), (def, leads) => {
        const rs = compileRuleset(def, NAMED);
        for (const lead of leads) expect(firstMatch(rs, lead as never)).toBe(firstMatchNaive(rs, lead as never));
      }),
      { numRuns: 1500 },
    );
  });
});

describe('named lists (in_list, not_in_list)', () => {
  const def = ruleset({
    rules: [
      { id: 'named', when: { field: 'domain', op: 'in_list', value: 'named-accounts' }, then: { strategy: 'ROUND_ROBIN', team: 'ae' } },
      { id: 'west', when: { all: [{ field: 'state', op: 'in_list', value: 'west-states', ignore_case: true }, { field: 'country', op: 'not_in_list', value: 'embargoed' }] }, then: { strategy: 'ROUND_ROBIN', team: 'west' } },
    ],
  });
  const lists = { 'named-accounts': Array.from({ length: 50_000 }, (_, i) => `acct${i}.com`), 'west-states': ['CA', 'OR', 'WA'], embargoed: ['KP'] };
  const rs = compileRuleset(def, lists);

  it('matches like an inline in/not_in over the list, the index agreeing with testing every rule', () => {
    const leads = [
      { email: 'a@ACCT49999.com' },
      { email: 'b@other.com', state: 'ca', country: 'US' },
      { email: 'c@other.com', state: 'CA', country: 'KP' },
      { email: 'd@other.com', state: 'NY' },
    ];
    expect(leads.map((l) => matchRule(rs, l).rule_id)).toEqual(['named', 'west', null, null]);
    for (const l of leads) expect(firstMatch(rs, l)).toBe(firstMatchNaive(rs, l));
  });

  it('explains a failed list condition by the list name, not its values', () => {
    const m = matchRule(rs, { email: 'd@other.com', state: 'NY' });
    expect(m.trace[0]!.failed).toEqual({ path: 'when', field: 'domain', op: 'in_list', value: 'named-accounts', actual: 'other.com' });
    expect(m.trace[1]!.failed).toMatchObject({ op: 'in_list', value: 'west-states', actual: 'NY' });
  });

  it('treats a list it has no values for as empty', () => {
    const bare = compileRuleset(def, {});
    expect(matchRule(bare, { email: 'a@acct1.com' }).rule_id).toBeNull();
  });

  it('accepts only a list name as the value', () => {
    const bad = RulesetDefinitionSchema.safeParse({ rules: [{ id: 'r', when: { field: 'country', op: 'in_list', value: ['DE'] }, then: { strategy: 'OWNER' } }] });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({ path: ['rules', 0, 'when', 'value'], message: expect.stringMatching(/name of a list/) });
  });
});
