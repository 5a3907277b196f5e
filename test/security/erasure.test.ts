import { newId } from '../../src/ids';
import { LeadDetail } from '../../src/schemas/leads';
import { workflowIdFor } from '../../src/lead/model';
import { apiSuite, newOrg, publishRules, startWorker, testConfig, type TestOrg, type TestWorker } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/**
 * Issue 31: a person who asks to be forgotten is. One person is planted in every table and outbox that can hold
 * them (two leads, their contact, the routing explanation, an update on the timeline, an activity's notes, a
 * sent and a pending notification, a delivered and a pending webhook delivery, a stored Idempotency-Key
 * answer, the leads' Temporal workflows); after the erasure nothing of them is left anywhere, what routing
 * needs to stay true is kept, and a neighbour's lead is untouched.
 */
const suite = apiSuite();
let worker: TestWorker;
beforeAll(async () => {
  // Notifications and deliveries are left to the files that test them (an outbox dispatcher here would send theirs).
  worker = await startWorker(testConfig().TEMPORAL_TASK_QUEUE, {}, { outbox: false });
});
afterAll(() => worker?.stop());

const db = () => suite.api.deps.db;
const PERSON = { email: 'Zelda.Quixote@Forgetme.io', first_name: 'Zelda', last_name: 'Quixote', company: 'Forgetme Ltd', country: 'DE' };
const TRACES = ['zelda.quixote@forgetme.io', 'Zelda', 'Quixote', 'Forgetme', '+49 151 0000 1234', 'ZQ-secret-attribute'];

async function everything(org: TestOrg): Promise<string> {
  const tables = ['leads', 'contacts', 'events', 'activities', 'notifications', 'webhook_deliveries', 'idempotency_keys', 'audit_log', 'privacy_erasures'];
  const rows = await Promise.all(tables.map((t) => db()(t).where({ org_id: org.orgId })));
  return JSON.stringify(rows).toLowerCase();
}

async function plant(org: TestOrg) {
  const { api } = suite;
  const rep = (await api.http.post('/v1/reps').set(org.auth).send({ name: 'Rita Rep', email: `rita-${org.orgId}@seller.io`, teams: ['t'] })).body;
  await publishRules(api, org, {
    rules: [
      { id: 'nowhere', when: { field: 'country', op: 'eq', value: 'ZZ' }, then: { strategy: 'ROUND_ROBIN', team: 't' } },
      { id: 'everyone', then: { strategy: 'ROUND_ROBIN', team: 't' } },
    ],
  });
  const first = await api.http.post('/v1/leads').set(org.auth).set('Idempotency-Key', `erase-${org.orgId}`).send({ ...PERSON, attributes: { phone: '+49 151 0000 1234', note: 'ZQ-secret-attribute' } });
  expect(first.body).toMatchObject({ status: 'ASSIGNED', routing: { rule_id: 'everyone' } });
  const second = (await api.http.post('/v1/leads').set(org.auth).send({ ...PERSON, email: PERSON.email.toLowerCase(), source: 'webinar' })).body;
  await api.http.patch(`/v1/leads/${first.body.id}`).set(org.auth).send({ company: 'Forgetme Holdings' });
  await api.http.post(`/v1/contacts/${first.body.contact_id}/activities`).set(org.auth).send({ type: 'CALL', rep_id: rep.id, notes: 'Spoke with Zelda Quixote about Forgetme', occurred_at: new Date().toISOString() });
  const neighbour = (await api.http.post('/v1/leads').set(org.auth).send({ email: 'neighbour@keepme.io', first_name: 'Nora' })).body;
  // The outboxes, as delivery and notification workflows leave them: one finished, one pending, each.
  const hook = (await api.http.post('/v1/webhooks').set(org.auth).send({ url: 'https://hooks.example.com/forget', events: ['lead.assigned'] })).body;
  for (const status of ['DELIVERED', 'PENDING']) {
    await db()('webhook_deliveries').insert({ id: newId('delivery'), org_id: org.orgId, webhook_id: hook.id, event_id: newId('event'), event_type: 'lead.assigned', status, payload: { type: 'lead.assigned', data: { lead: { id: first.body.id, email: PERSON.email, first_name: 'Zelda' } } } });
  }
  for (const status of ['SENT', 'PENDING']) {
    await db()('notifications').insert({ id: newId('notification'), org_id: org.orgId, lead_id: first.body.id, event_id: newId('event'), kind: 'ASSIGNED', channel: 'EMAIL', recipient: rep.email, status, subject: 'New lead: Zelda Quixote (Forgetme Ltd)', body_text: `Zelda Quixote <${PERSON.email}>`, dedupe_key: newId('event') });
  }
  return { rep, leads: [first.body.id as string, second.id as string], contactId: first.body.contact_id as string, neighbour };
}

it('leaves nothing of the person in any table, outbox or Temporal history, and keeps the routing facts', async () => {
  const org = await newOrg(db());
  const planted = await plant(org);
  for (const id of planted.leads) await suite.api.deps.temporal.client.workflow.getHandle(workflowIdFor(id)).describe();
  expect(await everything(org)).toContain('zelda');

  const res = await suite.api.http.post('/v1/privacy/erasures').set(org.auth).send({ email: 'ZELDA.quixote@forgetme.io' });
  expect([res.status, res.body.error?.message]).toEqual([200, undefined]);
  expect(res.body).toMatchObject({ status: 'COMPLETED', counts: { leads: 2, contacts: 1, notifications: 2, deliveries: 2, stored_answers: 1, workflows: 2 } });

  const left = await everything(org);
  for (const trace of TRACES) expect(left).not.toContain(trace.toLowerCase());
  // The neighbour is untouched.
  expect(left).toContain('neighbour@keepme.io');
  // Routing facts stay: who got each lead, by which rule; the open leads are closed.
  for (const id of planted.leads) {
    const lead = await db()('leads').where({ id }).first();
    expect(lead).toMatchObject({ email: 'erased@erased.invalid', assigned_rep_id: planted.rep.id, status: 'CLOSED', first_name: null, attributes: {} });
    expect(lead.routing.rule_id).toBe('everyone');
    // The lead as the API shows it still has the documented shape (conformance: the timeline's data did not).
    const shown = await suite.api.http.get(`/v1/leads/${id}`).set(org.auth);
    expect(LeadDetail.safeParse(shown.body).error?.issues ?? []).toEqual([]);
    if (id === planted.leads[0]) {
      // The update is still on the timeline: which field changed, not from what to what.
      expect(shown.body.timeline.find((e: { type: string }) => e.type === 'UPDATED').data).toEqual({ changes: { company: { from: null, to: null } } });
    }
    // Temporal deletes asynchronously (a closed execution within about half a minute).
    await waitFor(
      () => suite.api.deps.temporal.client.workflow.getHandle(workflowIdFor(id)).describe().then(() => null, (err: Error) => (/not found/i.test(err.message) ? true : null)),
      { timeoutMs: 90_000, intervalMs: 1000, what: `the workflow of lead ${id} deleted` },
    );
  }
  expect((await db()('reps').where({ id: planted.rep.id }).first()).open_leads).toBe(1);
  // Nothing pending goes out about them.
  expect(await db()('notifications').where({ lead_id: planted.leads[0], status: 'PENDING' })).toEqual([]);
  expect(await db()('webhook_deliveries').where({ org_id: org.orgId, status: 'PENDING' })).toEqual([]);
  // A later search or export finds nothing.
  expect((await suite.api.http.get(`/v1/contacts?email=${encodeURIComponent(PERSON.email)}`).set(org.auth)).body).toEqual([]);
  const csv = (await suite.api.http.get('/v1/leads/export?format=csv').set(org.auth)).text.toLowerCase();
  for (const trace of TRACES) expect(csv).not.toContain(trace.toLowerCase());
  // Audited without the person; asking again erases nothing more.
  const audit = (await suite.api.http.get('/v1/audit?resource_type=erasure').set(org.auth)).body;
  expect(audit).toHaveLength(1);
  expect(JSON.stringify(audit).toLowerCase()).not.toContain('zelda');
  const again = await suite.api.http.post('/v1/privacy/erasures').set(org.auth).send({ email: PERSON.email });
  expect(again.body.counts).toEqual({ leads: 0, contacts: 0, events: 0, activities: 0, notifications: 0, deliveries: 0, stored_answers: 0, workflows: 0 });
  expect((await suite.api.http.get(`/v1/privacy/erasures/${res.body.id}`).set(org.auth)).body).toEqual(res.body);
}, 240_000);

it('needs privacy:write', async () => {
  const org = await newOrg(db(), ['leads:read', 'privacy:read']);
  const res = await suite.api.http.post('/v1/privacy/erasures').set(org.auth).send({ email: 'someone@x.io' });
  expect(res.status).toBe(403);
});
