import { newOrg, startApi, type TestApi } from '../helpers/stack';
import { ListValuesCache } from '../../src/services/listCache';
import type { RulesetDefinition } from '../../src/routing/schema';

/**
 * The API's list values kept by content: a simulation over a draft reads a list's digest, and its values only
 * when the digest is new. What must hold: the values are always the current ones, and the cache stays within
 * its bound.
 */
let api: TestApi;
beforeAll(() => {
  api = startApi();
});
afterAll(() => api.close());

const then = { strategy: 'ROUND_ROBIN', team: 't' } as const;
const using = (...names: string[]) => ({ rules: names.map((n) => ({ id: n, when: { field: 'country', op: 'in_list', value: n }, then })) }) as unknown as RulesetDefinition;

it('hands out the same values while a list is unchanged, the new ones once it is edited, and nothing for a list that is gone', async () => {
  const org = await newOrg(api.deps.db);
  const cache = new ListValuesCache();
  await api.http.put('/v1/lists/emea').set(org.auth).send({ values: ['DE', 'FR'] }).expect(200);
  const first = await cache.currentListsOf(api.deps.db, org.orgId, using('emea', 'nowhere'));
  expect(first).toEqual({ emea: ['DE', 'FR'] });
  expect((await cache.currentListsOf(api.deps.db, org.orgId, using('emea'))).emea).toBe(first.emea);

  await api.http.put('/v1/lists/emea').set(org.auth).send({ values: ['DE', 'FR', 'GB'] }).expect(200);
  expect(await cache.currentListsOf(api.deps.db, org.orgId, using('emea'))).toEqual({ emea: ['DE', 'FR', 'GB'] });
  await api.http.delete('/v1/lists/emea').set(org.auth).expect(200);
  expect(await cache.currentListsOf(api.deps.db, org.orgId, using('emea'))).toEqual({});
});

it('keeps no more values than its bound, the least recently used out first, and still answers for lists it let go', async () => {
  const org = await newOrg(api.deps.db);
  const cache = new ListValuesCache(5);
  for (const [name, values] of Object.entries({ a: ['1', '2'], b: ['3', '4'], c: ['5', '6'] })) await api.http.put(`/v1/lists/${name}`).set(org.auth).send({ values }).expect(200);
  const a = (await cache.currentListsOf(api.deps.db, org.orgId, using('a'))).a;
  const b = (await cache.currentListsOf(api.deps.db, org.orgId, using('b'))).b;
  // a used again: b is now the oldest, and c (2 more values than the bound allows beside a and b) pushes it out.
  expect((await cache.currentListsOf(api.deps.db, org.orgId, using('a'))).a).toBe(a);
  await cache.currentListsOf(api.deps.db, org.orgId, using('c'));
  expect((await cache.currentListsOf(api.deps.db, org.orgId, using('a'))).a).toBe(a);
  const bAgain = (await cache.currentListsOf(api.deps.db, org.orgId, using('b'))).b;
  expect(bAgain).toEqual(['3', '4']);
  expect(bAgain).not.toBe(b);
});
