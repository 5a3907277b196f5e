import { MockActivityEnvironment } from '@temporalio/testing';
import { maintenanceActivities } from '../../src/activities/maintenance';
import { retentionSettings } from '../../src/activities';
import { newId } from '../../src/ids';
import { waitFor } from '../helpers/wait';
import { apiSuite, newOrg, publishRules, startWorker, testConfig, type TestOrg, type TestWorker } from '../helpers/stack';

/**
 * Issue 31: each organization keeps settled leads, audit entries, deliveries and notifications as long as it
 * says (within the server's bounds), the server's default otherwise; the hourly purge deletes the rest in
 * small batches: a settled lead with its timeline, its activities kept on the contact.
 */
const suite = apiSuite({ RETENTION_MIN_DAYS: '7', RETENTION_MAX_DAYS: '1000' });
let worker: TestWorker;
beforeAll(async () => {
  // Notifications and deliveries are left to the files that test them (an outbox dispatcher here would send theirs).
  worker = await startWorker(testConfig().TEMPORAL_TASK_QUEUE, {}, { outbox: false });
});
afterAll(() => worker?.stop());

const db = () => suite.api.deps.db;
const daysAgo = (d: number) => db().raw(`now() - make_interval(days => ${d})`);

async function closedLead(org: TestOrg, email: string, closedDaysAgo: number | null) {
  const lead = (await suite.api.http.post('/v1/leads').set(org.auth).send({ email })).body;
  expect(lead.status).toBe('ASSIGNED');
  const call = await suite.api.http.post(`/v1/contacts/${lead.contact_id}/activities`).set(org.auth).send({ type: 'CALL', rep_id: lead.assigned_rep_id, occurred_at: new Date().toISOString() });
  expect(call.status).toBe(200);
  // The call is the lead's first touch: the activity names the lead.
  await waitFor(async () => (await db()('activities').where({ id: call.body.id, lead_id: lead.id }).first()) ?? null, { what: 'the first touch on the lead' });
  if (closedDaysAgo !== null) {
    expect((await suite.api.http.post(`/v1/leads/${lead.id}/close`).set(org.auth).send({ reason: 'done' })).status).toBe(200);
    await db()('leads').where({ id: lead.id }).update({ closed_at: daysAgo(closedDaysAgo) });
  }
  return lead as { id: string; contact_id: string };
}

async function oldRows(org: TestOrg, leadId: string, webhookId: string) {
  await db()('audit_log').insert({ id: newId('audit'), org_id: org.orgId, action: 'updated', resource_type: 'organization', request_id: 'req_old', at: daysAgo(800) });
  for (const [status, age] of [['DELIVERED', 40], ['PENDING', 40], ['DELIVERED', 5]] as const) {
    await db()('webhook_deliveries').insert({ id: newId('delivery'), org_id: org.orgId, webhook_id: webhookId, event_id: newId('event'), event_type: 'lead.assigned', payload: {}, status, created_at: daysAgo(age) });
  }
  await db()('notifications').insert({ id: newId('notification'), org_id: org.orgId, lead_id: leadId, event_id: newId('event'), kind: 'ASSIGNED', channel: 'EMAIL', recipient: 'r@x.io', status: 'SENT', subject: 's', body_text: 'b', dedupe_key: newId('event'), created_at: daysAgo(100) });
}

it('purges what each organization keeps no longer, and nothing else', async () => {
  const { api } = suite;
  const short = await newOrg(db());
  const long = await newOrg(db());
  for (const org of [short, long]) {
    await api.http.post('/v1/reps').set(org.auth).send({ name: 'Keeper', email: `keeper-${org.orgId}@retention.io`, teams: ['t'] });
    await publishRules(api, org, { rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 't' } }] });
  }
  const set = await api.http.patch('/v1/organization').set(short.auth).send({ retention: { leads_days: 30 } });
  expect(set.status).toBe(200);
  expect(set.body.retention).toMatchObject({ leads_days: 30, audit_days: 730, own: ['leads_days'] });

  const expired = await closedLead(short, 'expired@retention.io', 40);
  const recent = await closedLead(short, 'recent@retention.io', 10);
  const open = await closedLead(short, 'open@retention.io', null);
  await db()('leads').where({ id: open.id }).update({ received_at: daysAgo(400) });
  const otherOrg = await closedLead(long, 'kept-elsewhere@retention.io', 40);
  const hook = (await api.http.post('/v1/webhooks').set(short.auth).send({ url: 'https://hooks.example.com/r', events: ['lead.assigned'] })).body;
  await oldRows(short, recent.id, hook.id);

  const purged = (await new MockActivityEnvironment().run(maintenanceActivities(db(), retentionSettings(api.deps.config)).purgeExpired)) as { leads: number };
  expect(purged.leads).toBeGreaterThanOrEqual(1);

  const leadIds = (await db()('leads').whereIn('org_id', [short.orgId, long.orgId]).select('id')).map((r: { id: string }) => r.id);
  expect(leadIds).not.toContain(expired.id);
  expect(leadIds).toEqual(expect.arrayContaining([recent.id, open.id, otherOrg.id]));
  expect(await db()('events').where({ lead_id: expired.id })).toEqual([]);
  // The call on the purged lead stays on the contact's history, without the lead.
  expect(await db()('activities').where({ contact_id: expired.contact_id })).toEqual([expect.objectContaining({ lead_id: null, type: 'CALL' })]);
  expect(await db()('audit_log').where({ org_id: short.orgId, request_id: 'req_old' })).toEqual([]);
  const deliveries = await db()('webhook_deliveries').where({ org_id: short.orgId }).select('status', db().raw("extract(day FROM now() - created_at)::int AS age"));
  expect(deliveries.map((d: { status: string; age: number }) => `${d.status}:${d.age}`).sort()).toEqual(expect.arrayContaining(['DELIVERED:5', 'PENDING:40']));
  expect(deliveries.some((d: { status: string; age: number }) => d.status === 'DELIVERED' && d.age >= 40)).toBe(false);
  expect(await db()('notifications').where({ org_id: short.orgId, status: 'SENT' }).andWhere('created_at', '<', daysAgo(90))).toEqual([]);
}, 60_000);

it("refuses a retention outside the server's bounds, at the field, and null goes back to the default", async () => {
  const org = await newOrg(db());
  const low = await suite.api.http.patch('/v1/organization').set(org.auth).send({ retention: { audit_days: 3 } });
  expect(low.status).toBe(422);
  expect(low.body.error.details).toEqual([{ path: 'retention.audit_days', message: 'must be between 7 and 1000 days on this server' }]);
  expect((await suite.api.http.patch('/v1/organization').set(org.auth).send({ retention: { audit_days: 60 } })).body.retention).toMatchObject({ audit_days: 60, own: ['audit_days'] });
  expect((await suite.api.http.patch('/v1/organization').set(org.auth).send({ retention: { audit_days: null } })).body.retention).toMatchObject({ audit_days: 730, own: [] });
});

it('purges in statements of RETENTION_PURGE_BATCH leads, each committed on its own, until none is left', async () => {
  const org = await newOrg(db());
  const contact = newId('contact');
  await db()('contacts').insert({ id: contact, org_id: org.orgId, email: 'batched@retention.io' });
  const ids = Array.from({ length: 5 }, () => newId('lead'));
  await db()('leads').insert(ids.map((id) => ({ id, org_id: org.orgId, contact_id: contact, email: 'batched@retention.io', status: 'CLOSED', workflow_id: `lead-${id}`, received_at: daysAgo(36_601), updated_at: daysAgo(36_600), closed_at: daysAgo(36_600) })));
  // Every organization keeps everything a century, whatever its own setting: only these five, closed longer
  // ago, are due, whatever other test files leave in the database.
  const settings = { ...retentionSettings(suite.api.deps.config), minDays: 36_500, maxDays: 36_500, batch: 2, restFactor: 0 };
  const env = new MockActivityEnvironment();
  const beats: number[] = [];
  env.on('heartbeat', (d: { leads: number }) => beats.push(d.leads));
  const purged = (await env.run(maintenanceActivities(db(), settings).purgeExpired)) as { leads: number };
  expect(purged.leads).toBe(5);
  // A heartbeat after each statement (the other organizations' and kinds' too, purging nothing): the leads
  // went two, two, and the last one.
  expect([...new Set(beats)].filter((n) => n > 0)).toEqual([2, 4, 5]);
  expect(await db()('leads').whereIn('id', ids)).toEqual([]);
});
