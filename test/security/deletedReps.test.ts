import { newOrg, startApi, type TestApi, type TestOrg } from '../helpers/stack';

/** Finding 10: a deleted rep cannot be named as an owner, an activity's rep or a monitor's target. */
let api: TestApi;
let org: TestOrg;
let gone: string;
let contactId: string;

beforeAll(async () => {
  api = startApi();
  org = await newOrg(api.deps.db);
  gone = (await api.http.post('/v1/reps').set(org.auth).send({ name: 'Gone', email: 'gone@x.io' })).body.id;
  expect((await api.http.delete(`/v1/reps/${gone}`).set(org.auth)).status).toBe(200);
  contactId = (await api.http.post('/v1/contacts').set(org.auth).send({ email: 'c@x.io' })).body.id;
});
afterAll(() => api.close());

it.each([
  ['a contact owner', () => api.http.post('/v1/contacts').set(org.auth).send({ email: 'o@x.io', owner_rep_id: gone }), 'owner_rep_id'],
  ["an activity's rep", () => api.http.post(`/v1/contacts/${contactId}/activities`).set(org.auth).send({ type: 'CALL', rep_id: gone }), 'rep_id'],
  [
    "a monitor's rep",
    () => api.http.post('/v1/intelligence/sla-monitors').set(org.auth).send({ name: 'm', kind: 'REP_OPEN_UNTOUCHED', params: { rep_id: gone, max: 3 } }),
    'params.rep_id',
  ],
])('%s is refused with 422 at the field', async (_what, send, path) => {
  const res = await send();
  expect(res.status).toBe(422);
  expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path, message: expect.stringMatching(/deleted/) })]));
});
