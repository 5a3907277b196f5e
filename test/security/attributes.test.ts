import { compileCondition } from '../../src/routing';
import { RulesetDefinitionSchema } from '../../src/routing/schema';
import { LeadInput } from '../../src/schemas/leads';
import { orgWithRules, startApi, startWorker, type TestApi, type TestOrg, type TestWorker } from '../helpers/stack';

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

/**
 * Round 2, finding 6: the 100-attribute cap holds for what an object holds after a merge, not only per
 * request, and a lead's timeline of UPDATED events does not grow without bound.
 */
describe('attributes and updates across requests', () => {
  let api: TestApi;
  let worker: TestWorker;
  let org: TestOrg;
  const hundred = (prefix: string) => Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`${prefix}${i}`, i]));

  beforeAll(async () => {
    api = startApi({ RATE_LIMIT_PER_SECOND: '0' });
    worker = await startWorker();
    ({ org } = await orgWithRules(api, { rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] }, [{ teams: ['sdr'] }]));
  });
  afterAll(async () => {
    await worker.stop();
    await api.close();
  });

  it('a lead keeps at most 100 attributes: the PATCH that would pass it is 422 and changes nothing', async () => {
    const lead = await api.http.post('/v1/leads?wait_ms=10000').set(org.auth).send({ email: 'attr@grow.io', attributes: hundred('a') });
    expect(lead.body.status).toBe('ASSIGNED');
    const more = await api.http.patch(`/v1/leads/${lead.body.id}`).set(org.auth).send({ attributes: hundred('b') });
    expect(more.status).toBe(422);
    expect(more.body.error.details[0]).toMatchObject({ path: 'attributes', message: expect.stringMatching(/at most 100 attributes.*200/) });
    const stored = await api.http.get(`/v1/leads/${lead.body.id}`).set(org.auth);
    expect(Object.keys(stored.body.attributes)).toHaveLength(100);
    expect(stored.body.timeline.filter((e: { type: string }) => e.type === 'UPDATED')).toHaveLength(0);
    // Changing existing ones, or removing some to make room, is fine at the cap.
    const swap = await api.http.patch(`/v1/leads/${lead.body.id}`).set(org.auth).send({ attributes: { a0: null, a1: 'changed', new1: true } });
    expect(swap.status).toBe(200);
    expect(Object.keys(swap.body.attributes)).toHaveLength(100);
  });

  it('a contact keeps at most 100 attributes across upserts', async () => {
    expect((await api.http.post('/v1/contacts').set(org.auth).send({ email: 'c@grow.io', attributes: hundred('a') })).status).toBe(200);
    const more = await api.http.post('/v1/contacts').set(org.auth).send({ email: 'c@grow.io', attributes: hundred('b') });
    expect(more.status).toBe(422);
    expect(more.body.error.details[0].path).toBe('attributes');
  });

  it('an account keeps at most 100 attributes across PUTs', async () => {
    expect((await api.http.put('/v1/accounts/grow.io').set(org.auth).send({ attributes: hundred('a') })).status).toBe(200);
    const more = await api.http.put('/v1/accounts/grow.io').set(org.auth).send({ attributes: hundred('b') });
    expect(more.status).toBe(422);
    expect(more.body.error.details[0].path).toBe('attributes');
    const account = await api.http.get('/v1/accounts/grow.io').set(org.auth);
    expect(Object.keys(account.body.attributes)).toHaveLength(100);
  });

  it('a lead\'s timeline keeps its latest 100 UPDATED events, however often it is changed', async () => {
    const lead = await api.http.post('/v1/leads?wait_ms=10000').set(org.auth).send({ email: 'often@grow.io' });
    for (let i = 0; i < 120; i++) expect((await api.http.patch(`/v1/leads/${lead.body.id}`).set(org.auth).send({ score: i })).status).toBe(200);
    const stored = await api.http.get(`/v1/leads/${lead.body.id}`).set(org.auth);
    const updates = stored.body.timeline.filter((e: { type: string }) => e.type === 'UPDATED');
    expect(updates).toHaveLength(100);
    // The latest are kept: the last change is 118 → 119.
    expect(updates.at(-1).data.changes.score).toEqual({ from: 118, to: 119 });
    expect(stored.body.score).toBe(119);
  }, 60_000);
});
