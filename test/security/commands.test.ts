import { newOrg, startApi, startWorker, type TestApi, type TestWorker } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/** Finding 7: commands racing on one lead get 409 (or 503), never 500. */
let api: TestApi;
let worker: TestWorker;

beforeAll(async () => {
  api = startApi({ RATE_LIMIT_PER_SECOND: '0' });
  worker = await startWorker();
});
afterAll(async () => {
  await worker.stop();
  await api.close();
});

it('concurrent reassign and close on the same leads: each answer is 200, 409 or 503, and the leads end CLOSED', async () => {
  const org = await newOrg(api.deps.db);
  for (let i = 0; i < 3; i++) await api.http.post('/v1/reps').set(org.auth).send({ name: `R${i}`, email: `r${i}@race.io`, teams: ['sdr'] });
  const rs = await api.http.post('/v1/rules').set(org.auth).send({ name: 'rr', rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] });
  await api.http.post(`/v1/rules/${rs.body.id}/publish`).set(org.auth);
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const lead = await api.http.post('/v1/leads').set(org.auth).send({ email: `l${i}@race.io` });
    expect(lead.body.status).toBe('ASSIGNED');
    const answers = await Promise.all([
      api.http.post(`/v1/leads/${lead.body.id}/close`).set(org.auth).send({ reason: 'spam' }),
      api.http.post(`/v1/leads/${lead.body.id}/reassign`).set(org.auth).send({}),
      api.http.post(`/v1/leads/${lead.body.id}/reassign`).set(org.auth).send({}),
    ]);
    statuses.push(...answers.map((a) => a.status));
    for (const a of answers) if (a.status === 503) expect(a.headers['retry-after']).toBeDefined();
    // Once closed, a command is refused as a conflict with a reason.
    const late = await api.http.post(`/v1/leads/${lead.body.id}/reassign`).set(org.auth).send({});
    expect(late.status).toBe(409);
    await waitFor(async () => (await api.deps.db('leads').where({ id: lead.body.id }).first()).status === 'CLOSED', { what: 'the lead to close' });
  }
  expect(statuses.filter((s) => ![200, 409, 503].includes(s))).toEqual([]);
});
