import { reassignUpdate } from '../../src/lead/messages';
import { workflowIdFor } from '../../src/lead/model';
import { sendLeadCommand } from '../../src/temporal/leads';
import { apiSuite, startWorker, type TestWorker } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/** A lead's workflow ends when the lead needs nothing more; later commands still work, once each. */
const suite = apiSuite({ RATE_LIMIT_PER_SECOND: '0' });
let worker: TestWorker;
beforeAll(async () => {
  worker = await startWorker();
});
afterAll(() => worker.stop());

async function team(n: number): Promise<string[]> {
  const ids: string[] = [];
  const { api, org } = suite;
  for (let i = 0; i < n; i++) ids.push((await api.http.post('/v1/reps').set(org.auth).send({ name: `R${i}`, email: `r${i}-${Date.now()}@life.io`, teams: ['life'] })).body.id);
  const rs = await api.http.post('/v1/rules').set(org.auth).send({ name: 'life', rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'life', sla: { first_touch_minutes: 60 } } }] });
  await api.http.post(`/v1/rules/${rs.body.id}/publish`).set(org.auth);
  return ids;
}

const types = async (leadId: string) => (await suite.api.http.get(`/v1/leads/${leadId}`).set(suite.org.auth)).body.timeline.map((e: { type: string }) => e.type);

describe('a lead after its first touch', () => {
  it("has a completed workflow; a reassignment and a close later still work and are recorded", async () => {
    const { api, org } = suite;
    await team(2);
    const lead = (await api.http.post('/v1/leads').set(org.auth).send({ email: 'touched@life.io' })).body;
    expect(lead.status).toBe('ASSIGNED');
    const call = await api.http.post(`/v1/contacts/${lead.contact_id}/activities`).set(org.auth).send({ type: 'CALL', rep_id: lead.assigned_rep_id });
    expect(call.body.first_touch).toBe(true);
    const handle = api.deps.temporal.client.workflow.getHandle(workflowIdFor(lead.id));
    expect((await handle.result()).status).toBe('CONTACTED');
    const firstRun = (await handle.describe()).runId;

    const moved = await api.http.post(`/v1/leads/${lead.id}/reassign`).set(org.auth).send({});
    expect(moved.status).toBe(200);
    expect(moved.body.assigned_rep_id).not.toBe(lead.assigned_rep_id);
    expect(moved.body.status).toBe('CONTACTED');
    expect((await handle.describe()).runId).not.toBe(firstRun);

    const closed = await api.http.post(`/v1/leads/${lead.id}/close`).set(org.auth).send({ reason: 'won' });
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('CLOSED');
    expect(await types(lead.id)).toEqual(['RECEIVED', 'ROUTED', 'ASSIGNED', 'CONTACTED', 'REASSIGNED', 'CLOSED']);
    expect(await waitFor(async () => ((await handle.describe()).status.name === 'COMPLETED' ? true : null), { what: 'the new run to end' })).toBe(true);
  });
});

describe('a retried command', () => {
  it('is carried out once: the same update id (from the same Idempotency-Key) is the same workflow update', async () => {
    const { api, org } = suite;
    const reps = await team(3);
    const lead = (await api.http.post('/v1/leads').set(org.auth).send({ email: 'retried@life.io' })).body;
    expect(reps).toContain(lead.assigned_rep_id);
    // A retry (after a 503, say) sends the same update id: Temporal answers with the first outcome and the
    // workflow does not carry it out again. A different id is a new command.
    const updateId = 'reassign:retry-test';
    await sendLeadCommand(api.deps.temporal, org.orgId, lead.id, reassignUpdate, {}, { updateId });
    await sendLeadCommand(api.deps.temporal, org.orgId, lead.id, reassignUpdate, {}, { updateId });
    expect((await types(lead.id)).filter((t: string) => t === 'REASSIGNED')).toHaveLength(1);
    await sendLeadCommand(api.deps.temporal, org.orgId, lead.id, reassignUpdate, {}, { updateId: 'reassign:another' });
    expect((await types(lead.id)).filter((t: string) => t === 'REASSIGNED')).toHaveLength(2);

    // Through the API: the same Idempotency-Key twice moves the lead once.
    const key = { 'Idempotency-Key': 'move-it-once' };
    const first = await api.http.post(`/v1/leads/${lead.id}/reassign`).set(org.auth).set(key).send({});
    const again = await api.http.post(`/v1/leads/${lead.id}/reassign`).set(org.auth).set(key).send({});
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect((await types(lead.id)).filter((t: string) => t === 'REASSIGNED')).toHaveLength(3);
  });
});

describe('room again', () => {
  it("closing a rep's lead routes the lead that was waiting for that rep's capacity at once (wake request, not the 10-minute re-check)", async () => {
    const { api, org } = suite;
    const rep = (await api.http.post('/v1/reps').set(org.auth).send({ name: 'Solo', email: `solo-${Date.now()}@life.io`, teams: ['solo'], max_open_leads: 1 })).body.id;
    const rs = await api.http.post('/v1/rules').set(org.auth).send({ name: 'solo', rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'solo' } }] });
    await api.http.post(`/v1/rules/${rs.body.id}/publish`).set(org.auth);
    const first = (await api.http.post('/v1/leads').set(org.auth).send({ email: 'first@room.io' })).body;
    const second = (await api.http.post('/v1/leads').set(org.auth).send({ email: 'second@room.io' })).body;
    expect([first.assigned_rep_id, second.status]).toEqual([rep, 'UNASSIGNED']);
    await api.http.post(`/v1/leads/${first.id}/close`).set(org.auth).send({ reason: 'done' });
    const routed = await waitFor(async () => {
      const b = (await api.http.get(`/v1/leads/${second.id}`).set(org.auth)).body;
      return b.status === 'ASSIGNED' ? b : null;
      // Seconds, where the re-check would take ten minutes; 30 s leaves room for a CI machine shared by every suite.
    }, { timeoutMs: 30_000, what: 'the waiting lead to be routed' });
    expect(routed.assigned_rep_id).toBe(rep);
    expect(await api.deps.db('wake_requests').where({ org_id: org.orgId }).first()).toBeUndefined();
  });
});

describe("the seed's activity example, as an integration sends it (no rep_id)", () => {
  const SEED_EXAMPLE = { type: 'CALL', notes: 'Discussed expansion to 50 seats.', outcome: 'POSITIVE' };

  it("is the first touch of the contact's assigned lead, attributed to its rep", async () => {
    const { api, org } = suite;
    await team(1);
    const lead = (await api.http.post('/v1/leads').set(org.auth).send({ email: `seed-${Date.now()}@life.io` })).body;
    expect(lead.status).toBe('ASSIGNED');
    const res = await api.http.post(`/v1/contacts/${lead.contact_id}/activities`).set(org.auth).send(SEED_EXAMPLE);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ...SEED_EXAMPLE, rep_id: lead.assigned_rep_id, lead_id: lead.id, first_touch: true, first_touch_reason: null });
    expect((await api.http.get(`/v1/leads/${lead.id}`).set(org.auth)).body.status).toBe('CONTACTED');
  });

  it('says why it is not a first touch when no lead of the contact waits for one', async () => {
    const { api, org } = suite;
    const contact = (await api.http.post('/v1/contacts').set(org.auth).send({ email: `nolead-${Date.now()}@life.io` })).body;
    const res = await api.http.post(`/v1/contacts/${contact.id}/activities`).set(org.auth).send(SEED_EXAMPLE);
    expect(res.body).toMatchObject({ first_touch: false, first_touch_reason: 'no open lead assigned', rep_id: null });
    const note = await api.http.post(`/v1/contacts/${contact.id}/activities`).set(org.auth).send({ type: 'NOTE', notes: 'x' });
    expect(note.body).toMatchObject({ first_touch: false, first_touch_reason: 'a NOTE never counts as a first touch' });
  });
});
