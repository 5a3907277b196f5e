import { MAX_LEAD_BYTES } from '../../src/schemas/leads';
import { newOrg, startApi, startWorker, type TestApi, type TestOrg, type TestWorker } from '../helpers/stack';

/**
 * Round 2, finding 4: explanations and stored answers are bounded. A 332 KB simulate request once answered
 * with 200 MB; a 200 KB lead under 250 rules stored a 50 MB explanation; an Idempotency-Key kept 10 MB per
 * request for a day. A lead and a ruleset have a total size, explanations quote values up to a bound, and an
 * answer too large to keep for replays is not kept (and says so).
 */
let api: TestApi;
let worker: TestWorker;
let org: TestOrg;
const then = { strategy: 'ROUND_ROBIN', team: 'sdr' };
// 60 KB in one attribute: 30 values of 2,000 characters (the most one value may have).
const LONG = Array.from({ length: 30 }, (_, i) => `${i}${'x'.repeat(1990)}`);
// Rules that a lead fails on its one long attribute.
const failing = (n: number, value = (i: number) => `v${i}`) => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, when: { field: 'attributes.big', op: 'eq', value: value(i) }, then }));

beforeAll(async () => {
  api = startApi({ RATE_LIMIT_PER_SECOND: '0' });
  worker = await startWorker();
  org = await newOrg(api.deps.db);
  await api.http.post('/v1/reps').set(org.auth).send({ name: 'Sam', email: 'sam@sizes.io', teams: ['sdr'] });
});
afterAll(async () => {
  await worker.stop();
  await api.close();
});

describe('a lead has a total size', () => {
  const big = (bytes: number) => ({ email: 'big@sizes.io', attributes: { a: 'x'.repeat(1500), ...Object.fromEntries(Array.from({ length: Math.ceil(bytes / 2000) }, (_, i) => [`k${i}`, 'y'.repeat(1990)])) } });

  it('a lead over 64 KB is refused with 422 saying the limit, and stored nowhere', async () => {
    const res = await api.http.post('/v1/leads?wait_ms=0').set(org.auth).send(big(MAX_LEAD_BYTES + 5000));
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].message).toMatch(/at most 64 KB/);
    expect((await api.http.get('/v1/leads').set(org.auth)).body.map((l: { email: string }) => l.email)).not.toContain('big@sizes.io');
  });

  it('in a batch, the oversized lead is refused at its index and the others are taken in', async () => {
    const res = await api.http.post('/v1/leads/batch').set(org.auth).send({ leads: [{ email: 'small@sizes.io' }, big(MAX_LEAD_BYTES + 5000)] });
    expect(res.status).toBe(200);
    expect(res.body.results[0].id).toMatch(/^lead_/);
    expect(res.body.results[1].error.message).toMatch(/64 KB/);
  });

  it('an update that would leave a lead over 64 KB is refused, and the lead is as it was', async () => {
    const lead = await api.http.post('/v1/leads?wait_ms=0').set(org.auth).send(big(40_000));
    expect(lead.status).toBe(200);
    const more = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`m${i}`, 'z'.repeat(1990)]));
    const res = await api.http.patch(`/v1/leads/${lead.body.id}`).set(org.auth).send({ attributes: more });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/at most 64 KB/);
    const stored = await api.http.get(`/v1/leads/${lead.body.id}`).set(org.auth);
    expect(stored.body.attributes.m0).toBeUndefined();
  });
});

describe('a ruleset has a total size, checked after an update too', () => {
  it('a ruleset over 512 KB is refused with 422', async () => {
    const res = await api.http.post('/v1/rules').set(org.auth).send({ name: 'huge', rules: failing(1000, (i) => `${'w'.repeat(499)}${i % 10}`) });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0]).toMatchObject({ path: 'rules', message: expect.stringMatching(/at most 512 KB/) });
  });

  it('a PATCH that leaves duplicate rule ids is refused, as a create would be', async () => {
    const draft = await api.http.post('/v1/rules').set(org.auth).send({ name: 'd', rules: failing(2) });
    const res = await api.http.patch(`/v1/rules/${draft.body.id}`).set(org.auth).send({ rules: [...failing(2), { id: 'r0', then }] });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0]).toMatchObject({ path: 'rules[2].id', message: expect.stringMatching(/duplicate/) });
  });
});

describe('explanations quote a bounded part of the lead', () => {
  it('simulate: 250 rules failing on a 60 KB attribute answer in tens of KB, not the 15 MB of 250 copies', async () => {
    const res = await api.http.post('/v1/rules/simulate').set(org.auth).send({ lead: { email: 'a@sizes.io', attributes: { big: LONG } }, ruleset: { rules: failing(250), fallback: then } });
    expect(res.status).toBe(200);
    expect(res.body.routing.explanation.rules).toHaveLength(250);
    expect(res.body.routing.explanation.rules[0].failed).toMatchObject({ actual_length: 30 });
    expect(JSON.stringify(res.body).length).toBeLessThan(250 * 400);
  });

  it('a routed lead stores an explanation of the same bounded size', async () => {
    const own = await newOrg(api.deps.db);
    await api.http.post('/v1/reps').set(own.auth).send({ name: 'Kim', email: 'kim@sizes.io', teams: ['sdr'] });
    const rs = await api.http.post('/v1/rules').set(own.auth).send({ name: 'r', rules: failing(250), fallback: then });
    await api.http.post(`/v1/rules/${rs.body.id}/publish`).set(own.auth);
    const lead = await api.http.post('/v1/leads?wait_ms=10000').set(own.auth).send({ email: 'long@sizes.io', attributes: { big: LONG } });
    expect(lead.body.status).toBe('ASSIGNED');
    const [{ bytes }] = await api.deps.db('leads').where({ id: lead.body.id }).select(api.deps.db.raw('length(routing::text) as bytes'));
    expect(bytes).toBeLessThan(250 * 400);
  });
});

describe('answers too large to keep for replays', () => {
  it('are not kept: the first answer says so, and a replay is 409 instead of the request done twice', async () => {
    // 1,000 rules whose long values fail: an explanation of about 300 KB, over the 256 KB kept.
    const body = { lead: { email: 'a@sizes.io', attributes: { big: 'x'.repeat(500) } }, ruleset: { rules: failing(1000, (i) => `${'v'.repeat(200)}${i}`), fallback: then } };
    const first = await api.http.post('/v1/rules/simulate').set(org.auth).set('Idempotency-Key', 'big-answer').send(body);
    expect(first.status).toBe(200);
    expect(JSON.stringify(first.body).length).toBeGreaterThan(256 * 1024);
    expect(first.headers['idempotent-replay-kept']).toBe('false');
    const [row] = await api.deps.db('idempotency_keys').where({ org_id: org.orgId, key: 'big-answer' }).select('response', 'response_bytes_not_kept');
    expect(row.response).toBeNull();
    expect(row.response_bytes_not_kept).toBeGreaterThan(256 * 1024);
    const replay = await api.http.post('/v1/rules/simulate').set(org.auth).set('Idempotency-Key', 'big-answer').send(body);
    expect(replay.status).toBe(409);
    expect(replay.body.error.message).toMatch(/larger than the 256 KB kept for replays/);
  });

  it('a small answer is kept and replayed as before', async () => {
    const body = { lead: { email: 'a@sizes.io' }, ruleset: { rules: failing(2), fallback: then } };
    const first = await api.http.post('/v1/rules/simulate').set(org.auth).set('Idempotency-Key', 'small-answer').send(body);
    expect(first.headers['idempotent-replay-kept']).toBeUndefined();
    const replay = await api.http.post('/v1/rules/simulate').set(org.auth).set('Idempotency-Key', 'small-answer').send(body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
  });
});
