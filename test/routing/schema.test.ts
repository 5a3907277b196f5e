import { zodDetails } from '../../src/errors';
import { regexProblem } from '../../src/routing/regex';
import { RulesetDefinitionSchema } from '../../src/routing/schema';

const rule = (id: string, when?: unknown, then: unknown = { strategy: 'ROUND_ROBIN', team: 'sdr' }) => ({ id, ...(when ? { when } : {}), then });

function problems(ruleset: unknown): Array<{ path: string; message: string }> {
  const r = RulesetDefinitionSchema.safeParse(ruleset);
  return r.success ? [] : zodDetails(r.error);
}

describe('ruleset validation points at the exact bad element', () => {
  it('accepts the example from the design', () => {
    expect(
      problems({
        rules: [
          rule(
            'enterprise-emea',
            { all: [{ field: 'country', op: 'in', value: ['DE', 'FR', 'GB'] }, { field: 'employees', op: 'gte', value: 1000 }] },
            { strategy: 'ROUND_ROBIN', team: 'emea-ae', sla: { first_touch_minutes: 15 } },
          ),
        ],
        fallback: { strategy: 'LOAD_BALANCED', team: 'sdr' },
      }),
    ).toEqual([]);
  });

  const cases: Array<[string, unknown, string, RegExp?]> = [
    [
      'unknown operator',
      { rules: [rule('a'), rule('b'), rule('c', { all: [{ field: 'country', op: 'equals', value: 'DE' }] })] },
      'rules[2].when.all[0].op',
    ],
    ['unknown field', { rules: [rule('a', { field: 'colour', op: 'eq', value: 'x' })] }, 'rules[0].when.field', /unknown field/],
    ['gte with a string', { rules: [rule('a', { field: 'employees', op: 'gte', value: '1000' })] }, 'rules[0].when.value', /number/],
    ['in with a scalar', { rules: [rule('a', { field: 'country', op: 'in', value: 'DE' })] }, 'rules[0].when.value', /array/],
    ['in with an object element', { rules: [rule('a', { field: 'country', op: 'in', value: ['DE', { x: 1 }] })] }, 'rules[0].when.value[1]'],
    ['eq without a value', { rules: [rule('a', { field: 'country', op: 'eq' })] }, 'rules[0].when.value'],
    ['contains with a number', { rules: [rule('a', { field: 'company', op: 'contains', value: 5 })] }, 'rules[0].when.value'],
    ['exists with a string', { rules: [rule('a', { field: 'company', op: 'exists', value: 'yes' })] }, 'rules[0].when.value'],
    ['missing op', { rules: [rule('a', { field: 'company', value: 'x' })] }, 'rules[0].when.op'],
    ['group and comparison mixed', { rules: [rule('a', { all: [], field: 'x', op: 'eq', value: 1 })] }, 'rules[0].when'],
    ['unknown key in a condition', { rules: [rule('a', { field: 'company', op: 'eq', value: 'x', weight: 2 })] }, 'rules[0].when.weight'],
    ['nested bad operator', { rules: [rule('a', { any: [{ not: { field: 'country', op: 'like', value: 'D%' } }] })] }, 'rules[0].when.any[0].not.op'],
    ['regex too complex to run cheaply', { rules: [rule('a', { field: 'email', op: 'matches', value: 'a{0,512}'.repeat(10) })] }, 'rules[0].when.value', /too complex/],
    ['lookahead (not RE2)', { rules: [rule('a', { field: 'email', op: 'matches', value: 'a(?=b)' })] }, 'rules[0].when.value', /RE2/],
    ['backreference (not RE2)', { rules: [rule('a', { field: 'email', op: 'matches', value: '(a)\\1' })] }, 'rules[0].when.value', /RE2.*\\1/],
    ['overlong regex', { rules: [rule('a', { field: 'email', op: 'matches', value: 'a'.repeat(201) })] }, 'rules[0].when.value', /longer/],
    ['invalid regex', { rules: [rule('a', { field: 'email', op: 'matches', value: '([a-z' })] }, 'rules[0].when.value', /missing closing/],
    ['duplicate rule ids', { rules: [rule('a'), rule('b'), rule('a')] }, 'rules[2].id', /duplicate/],
    ['unknown strategy', { rules: [rule('a', undefined, { strategy: 'RANDOM', team: 'x' })] }, 'rules[0].then.strategy'],
    ['DIRECT without rep_id', { rules: [rule('a', undefined, { strategy: 'DIRECT' })] }, 'rules[0].then.rep_id'],
    // An empty rep_id beside a pool slipped through ("takes team or rep_ids, not rep_id" tests it for truth), was
    // stored, and Schemathesis fed it from GET /v1/rules to ?rep_id= of the lead export, which answers 422.
    ['empty rep_id beside a pool', { rules: [rule('a', undefined, { strategy: 'ROUND_ROBIN', team: 'x', rep_id: '' })] }, 'rules[0].then.rep_id'],
    ['empty id in rep_ids', { rules: [rule('a', undefined, { strategy: 'ROUND_ROBIN', rep_ids: [''] })] }, 'rules[0].then.rep_ids[0]'],
    ['pool given twice', { rules: [rule('a', undefined, { strategy: 'ROUND_ROBIN', team: 'x', rep_ids: ['rep_1'] })] }, 'rules[0].then.rep_ids'],
    ['no pool', { rules: [rule('a', undefined, { strategy: 'WEIGHTED' })] }, 'rules[0].then.team'],
    ['fallback of a fallback', { rules: [rule('a', undefined, { strategy: 'OWNER', fallback: { strategy: 'ROUND_ROBIN', team: 'x', fallback: {} } })] }, 'rules[0].then.fallback.fallback'],
    ['SLA of zero minutes', { rules: [rule('a', undefined, { strategy: 'OWNER', sla: { first_touch_minutes: 0 } })] }, 'rules[0].then.sla.first_touch_minutes'],
    [
      'escalations out of order',
      { rules: [], sla: { first_touch_minutes: 5, escalations: [{ after_minutes: 10, action: 'REMIND' }, { after_minutes: 5, action: 'REASSIGN' }] } },
      'sla.escalations[1].after_minutes',
    ],
    ['unknown escalation action', { rules: [], sla: { first_touch_minutes: 5, escalations: [{ after_minutes: 1, action: 'FIRE' }] } }, 'sla.escalations[0].action'],
    ['unknown top-level key', { rules: [], rulez: [] }, 'rulez'],
    ['rules not an array', { rules: {} }, 'rules'],
  ];
  // Rows are padded to four columns: jest passes a done callback in place of a missing last column.
  it.each(cases.map(([name, ruleset, path, message]): [string, unknown, string, RegExp | null] => [name, ruleset, path, message ?? null]))('%s → %s', (_name, ruleset, path, message) => {
    const found = problems(ruleset);
    const hit = found.find((p) => p.path === path);
    expect({ path, found }).toEqual({ path, found: expect.arrayContaining([expect.objectContaining({ path })]) });
    if (message) expect(hit!.message).toMatch(message);
  });

  it('refuses conditions nested deeper than 12 levels', () => {
    let when: unknown = { field: 'country', op: 'eq', value: 'DE' };
    for (let i = 0; i < 14; i++) when = { not: when };
    expect(problems({ rules: [rule('deep', when)] }).some((p) => /deeper/.test(p.message))).toBe(true);
  });
});

describe('regex safety (RE2: linear time whatever the shape; see test/security/regex.test.ts)', () => {
  it.each(['^[a-z0-9._%+-]+@(gmail|yahoo)\\.com$', '\\d{3}-\\d{4}', '^(?:https?://)?www\\.', 'enterprise|strategic', '[(+*)]+', '(?i)^acme'])('accepts %s', (p) => {
    expect(regexProblem(p, 200)).toBeNull();
  });
  // Shapes a backtracking engine could not run safely are fine for RE2.
  it.each(['(a+)+', '(a*)*b', '(\\w+\\s?)*$', '(x|y)+', '(?:a{1,10}){2,}', '(.*a){12}'])('accepts %s, which RE2 runs in linear time', (p) => {
    expect(regexProblem(p, 200)).toBeNull();
  });
  it.each([
    ['a(?=b)', /RE2/],
    ['(?<=a)b', /RE2/],
    ['(a)\\1', /RE2/],
    ['a{0,900}a{0,900}a{0,900}', /too complex/],
  ])('refuses %s', (p, message) => {
    expect(regexProblem(p, 200)).toMatch(message);
  });
});
