import { compileCondition, type LeadValues } from '../../src/routing/conditions';
import { ConditionSchema, type Condition } from '../../src/routing/schema';

function holds(cond: unknown, lead: LeadValues): boolean {
  const parsed = ConditionSchema.parse(cond) as Condition;
  return compileCondition(parsed)(lead);
}

type Row = [string, unknown, LeadValues, boolean];

describe('operators and coercion rules', () => {
  const rows: Row[] = [
    // eq / neq
    ['eq string, same case', { field: 'country', op: 'eq', value: 'DE' }, { country: 'DE' }, true],
    ['eq string is case-sensitive by default', { field: 'country', op: 'eq', value: 'DE' }, { country: 'de' }, false],
    ['eq string with ignore_case', { field: 'country', op: 'eq', value: 'DE', ignore_case: true }, { country: 'de' }, true],
    ['eq email is always case-insensitive', { field: 'email', op: 'eq', value: 'CEO@Acme.com' }, { email: 'ceo@acme.COM' }, true],
    ['eq domain is always case-insensitive', { field: 'domain', op: 'eq', value: 'acme.com' }, { domain: 'ACME.com' }, true],
    ['domain falls back to the email domain', { field: 'domain', op: 'eq', value: 'acme.com' }, { email: 'jo@Acme.com' }, true],
    ['eq number vs numeric string field', { field: 'employees', op: 'eq', value: 1000 }, { employees: '1000' }, true],
    ['eq number vs number', { field: 'employees', op: 'eq', value: 1000 }, { employees: 1000 }, true],
    ['eq numeric string rule vs number field', { field: 'employees', op: 'eq', value: '1000' }, { employees: 1000 }, true],
    ['eq two strings compare as strings', { field: 'employees', op: 'eq', value: '1000' }, { employees: '1000.0' }, false],
    ['eq number vs non-numeric string', { field: 'employees', op: 'eq', value: 1000 }, { employees: 'a thousand' }, false],
    ['eq boolean vs boolean', { field: 'attributes.is_customer', op: 'eq', value: true }, { attributes: { is_customer: true } }, true],
    ['eq boolean vs "TRUE" string', { field: 'attributes.is_customer', op: 'eq', value: true }, { attributes: { is_customer: 'TRUE' } }, true],
    ['eq boolean vs "false"', { field: 'attributes.is_customer', op: 'eq', value: true }, { attributes: { is_customer: 'false' } }, false],
    ['eq on a missing field', { field: 'country', op: 'eq', value: 'DE' }, {}, false],
    ['eq on an empty string', { field: 'country', op: 'eq', value: 'DE' }, { country: '' }, false],
    ['neq different', { field: 'country', op: 'neq', value: 'DE' }, { country: 'FR' }, true],
    ['neq same', { field: 'country', op: 'neq', value: 'DE' }, { country: 'DE' }, false],
    ['neq holds for a missing field', { field: 'country', op: 'neq', value: 'DE' }, {}, true],
    ['eq any element of an array attribute', { field: 'attributes.products', op: 'eq', value: 'crm' }, { attributes: { products: ['cms', 'crm'] } }, true],
    ['neq with the value in an array attribute', { field: 'attributes.products', op: 'neq', value: 'crm' }, { attributes: { products: ['cms', 'crm'] } }, false],
    ['eq on an object attribute never matches', { field: 'attributes.meta', op: 'eq', value: 'x' }, { attributes: { meta: { a: 'x' } } }, false],
    // in / not_in
    ['in', { field: 'country', op: 'in', value: ['DE', 'FR', 'GB'] }, { country: 'FR' }, true],
    ['in, absent', { field: 'country', op: 'in', value: ['DE', 'FR', 'GB'] }, { country: 'US' }, false],
    ['in with numbers and numeric strings', { field: 'score', op: 'in', value: [10, 20] }, { score: '20' }, true],
    ['in on a missing field', { field: 'country', op: 'in', value: ['DE'] }, {}, false],
    ['not_in', { field: 'country', op: 'not_in', value: ['US', 'CA'] }, { country: 'DE' }, true],
    ['not_in, present', { field: 'country', op: 'not_in', value: ['US', 'CA'] }, { country: 'US' }, false],
    ['not_in holds for a missing field', { field: 'country', op: 'not_in', value: ['US'] }, {}, true],
    ['in email list is case-insensitive', { field: 'email', op: 'in', value: ['vip@acme.com'] }, { email: 'VIP@acme.com' }, true],
    // contains / starts_with / ends_with
    ['contains', { field: 'company', op: 'contains', value: 'Bank' }, { company: 'Deutsche Bank AG' }, true],
    ['contains is case-sensitive by default', { field: 'company', op: 'contains', value: 'bank' }, { company: 'Deutsche Bank AG' }, false],
    ['contains with ignore_case', { field: 'company', op: 'contains', value: 'bank', ignore_case: true }, { company: 'Deutsche Bank AG' }, true],
    ['starts_with', { field: 'source', op: 'starts_with', value: 'web' }, { source: 'webinar-2026' }, true],
    ['ends_with on email, case-insensitive', { field: 'email', op: 'ends_with', value: '@GMAIL.com' }, { email: 'x@gmail.com' }, true],
    ['contains on a number reads its digits', { field: 'score', op: 'contains', value: '9' }, { score: 95 }, true],
    ['contains on a missing field', { field: 'company', op: 'contains', value: 'x' }, {}, false],
    ['contains on a boolean', { field: 'attributes.flag', op: 'contains', value: 'tr' }, { attributes: { flag: true } }, false],
    // gt / gte / lt / lte
    ['gte', { field: 'employees', op: 'gte', value: 1000 }, { employees: 1000 }, true],
    ['gt boundary', { field: 'employees', op: 'gt', value: 1000 }, { employees: 1000 }, false],
    ['lt with a numeric string', { field: 'employees', op: 'lt', value: 50 }, { employees: '49' }, true],
    ['lte with decimals', { field: 'score', op: 'lte', value: 7.5 }, { score: 7.5 }, true],
    ['gte with a non-numeric string', { field: 'employees', op: 'gte', value: 10 }, { employees: '1,000' }, false],
    ['gt on a missing field', { field: 'employees', op: 'gt', value: 0 }, {}, false],
    ['gt on a boolean', { field: 'attributes.x', op: 'gt', value: 0 }, { attributes: { x: true } }, false],
    ['gte with whitespace around the number', { field: 'employees', op: 'gte', value: 10 }, { employees: ' 12 ' }, true],
    // exists
    ['exists', { field: 'company', op: 'exists' }, { company: 'Acme' }, true],
    ['exists on null', { field: 'company', op: 'exists' }, { company: null }, false],
    ['exists on ""', { field: 'company', op: 'exists' }, { company: '' }, false],
    ['exists false on a missing field', { field: 'company', op: 'exists', value: false }, {}, true],
    ['exists on an empty array', { field: 'attributes.tags', op: 'exists' }, { attributes: { tags: [] } }, false],
    ['exists on 0', { field: 'score', op: 'exists' }, { score: 0 }, true],
    // matches
    ['matches', { field: 'email', op: 'matches', value: '^[^@]+@(gmail|yahoo)\\.com$' }, { email: 'a@gmail.com' }, true],
    ['matches is case-insensitive for email', { field: 'email', op: 'matches', value: '@acme\\.com$' }, { email: 'a@ACME.COM' }, true],
    ['matches, no match', { field: 'company', op: 'matches', value: '^Inc' }, { company: 'Acme Inc' }, false],
    ['matches on a missing field', { field: 'company', op: 'matches', value: '.*' }, {}, false],
    // attributes
    ['attribute by name', { field: 'attributes.plan', op: 'eq', value: 'enterprise' }, { attributes: { plan: 'enterprise' } }, true],
    ['attribute when the lead has no attributes', { field: 'attributes.plan', op: 'eq', value: 'enterprise' }, {}, false],
    ['attribute names may contain dots', { field: 'attributes.utm.source', op: 'eq', value: 'g' }, { attributes: { 'utm.source': 'g' } }, true],
  ];

  it.each(rows)('%s', (_name, cond, lead, expected) => {
    expect(holds(cond, lead)).toBe(expected);
  });
});

describe('groups', () => {
  const lead = { country: 'DE', employees: 5000, source: 'web' };
  it.each<[string, unknown, boolean]>([
    ['all: every condition', { all: [{ field: 'country', op: 'eq', value: 'DE' }, { field: 'employees', op: 'gte', value: 1000 }] }, true],
    ['all: one fails', { all: [{ field: 'country', op: 'eq', value: 'DE' }, { field: 'employees', op: 'lt', value: 1000 }] }, false],
    ['all: empty is true', { all: [] }, true],
    ['any: one holds', { any: [{ field: 'country', op: 'eq', value: 'FR' }, { field: 'source', op: 'eq', value: 'web' }] }, true],
    ['any: none holds', { any: [{ field: 'country', op: 'eq', value: 'FR' }] }, false],
    ['any: empty is false', { any: [] }, false],
    ['not', { not: { field: 'country', op: 'eq', value: 'FR' } }, true],
    ['nested', { all: [{ any: [{ field: 'country', op: 'eq', value: 'FR' }, { not: { field: 'source', op: 'eq', value: 'ads' } }] }] }, true],
  ])('%s', (_name, cond, expected) => {
    expect(holds(cond, lead)).toBe(expected);
  });
});
