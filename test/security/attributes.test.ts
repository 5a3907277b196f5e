import { compileCondition } from '../../src/routing';
import { RulesetDefinitionSchema } from '../../src/routing/schema';
import { LeadInput } from '../../src/schemas/leads';

/** Finding 9: only a lead's own attributes are attributes; inherited JavaScript properties are not. */
describe('attribute lookup', () => {
  const lead = LeadInput.parse(JSON.parse('{"email": "a@b.co", "attributes": {"plan": "pro"}}'));

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])('attributes.%s does not exist on a lead that did not send it', (name) => {
    const exists = compileCondition({ field: `attributes.${name}`, op: 'exists' });
    const missing = compileCondition({ field: `attributes.${name}`, op: 'exists', value: false });
    expect(exists(lead)).toBe(false);
    expect(missing(lead)).toBe(true);
    expect(compileCondition({ field: `attributes.${name}`, op: 'neq', value: 'x' })(lead)).toBe(true);
  });

  it('an attribute a lead does send under such a name is found', () => {
    const sent = LeadInput.parse(JSON.parse('{"email": "a@b.co", "attributes": {"constructor": "yes", "toString": "no"}}'));
    expect(compileCondition({ field: 'attributes.constructor', op: 'eq', value: 'yes' })(sent)).toBe(true);
    expect(compileCondition({ field: 'attributes.toString', op: 'eq', value: 'no' })(sent)).toBe(true);
  });

  it('a rule on attributes.constructor does not route every lead', () => {
    const parsed = RulesetDefinitionSchema.parse({ rules: [{ id: 'r', when: { field: 'attributes.constructor', op: 'exists' }, then: { strategy: 'ROUND_ROBIN', team: 't' } }] });
    expect(compileCondition(parsed.rules[0]!.when!)(lead)).toBe(false);
  });
});
