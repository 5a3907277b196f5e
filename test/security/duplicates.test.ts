import { apiSuite } from '../helpers/stack';

/** Finding 8: a request that creates nothing writes nothing, even 30 at once. */
const suite = apiSuite({ RATE_LIMIT_PER_SECOND: '0' });

const contacts = async () => (await suite.api.deps.db('contacts').where({ org_id: suite.org.orgId }).select('email')).map((c) => c.email).sort();

it('30 concurrent duplicates of one external_id with different emails make one lead and one contact', async () => {
  const results = await Promise.all(
    Array.from({ length: 30 }, (_, i) => suite.api.http.post('/v1/leads?wait_ms=0').set(suite.org.auth).send({ email: `dup${i}@race.io`, external_id: 'race-1' })),
  );
  const statuses = results.map((r) => r.status);
  expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
  const ids = new Set(results.filter((r) => r.status === 200).map((r) => r.body.id));
  expect(ids.size).toBe(1);
  const leads = await suite.api.deps.db('leads').where({ org_id: suite.org.orgId, external_id: 'race-1' });
  expect(leads).toHaveLength(1);
  expect(await contacts()).toEqual([leads[0].email]);
});

it('a refused duplicate does not touch the existing contact either', async () => {
  await suite.api.http.post('/v1/leads?wait_ms=0').set(suite.org.auth).send({ email: 'first@keep.io', company: 'Keep', external_id: 'keep-1' });
  const before = await suite.api.deps.db('contacts').where({ org_id: suite.org.orgId, email: 'first@keep.io' }).first();
  const dup = await suite.api.http.post('/v1/leads?wait_ms=0').set(suite.org.auth).send({ email: 'other@keep.io', external_id: 'keep-1' });
  expect(dup.status).toBe(200);
  expect(await suite.api.deps.db('contacts').where({ org_id: suite.org.orgId, email: 'other@keep.io' }).first()).toBeUndefined();
  const after = await suite.api.deps.db('contacts').where({ org_id: suite.org.orgId, email: 'first@keep.io' }).first();
  expect(after.updated_at).toEqual(before.updated_at);
});

it('a second lead of a known contact reuses the contact and fills its gaps', async () => {
  const a = await suite.api.http.post('/v1/leads?wait_ms=0').set(suite.org.auth).send({ email: 'same@fill.io' });
  const b = await suite.api.http.post('/v1/leads?wait_ms=0').set(suite.org.auth).send({ email: 'same@fill.io', company: 'Fill Inc' });
  expect(b.body.contact_id).toBe(a.body.contact_id);
  expect((await suite.api.deps.db('contacts').where({ id: a.body.contact_id }).first()).company).toBe('Fill Inc');
});
