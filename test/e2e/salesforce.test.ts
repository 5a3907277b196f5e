import { connectedSalesforce, leadOfSalesforce, startSalesforceStack, type SalesforceStack } from '../helpers/salesforceStack';
import { eventOf } from '../helpers/hubspotStack';
import { waitFor } from '../helpers/wait';

/**
 * Issue 30, end to end against the fake Salesforce: a Lead created there reaches Routeswit by outbound message,
 * is routed, and its OwnerId is written back (without Salesforce's own assignment rules); redelivery makes one
 * lead; an unknown org is refused with a SOAP fault; a deleted Lead fails at once; an expired session is renewed.
 */
let s: SalesforceStack;
beforeAll(async () => {
  s = await startSalesforceStack('salesforce', { pageSize: 2 });
}, 60_000);
afterAll(() => s?.close());

const team = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `Rep ${i}`, teams: ['sdr'] }));
const roundRobin = { rules: [{ id: 'inbound', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] };

async function withUsers(c: Awaited<ReturnType<typeof connectedSalesforce>>) {
  const users: string[] = [];
  for (const repId of c.reps) users.push(c.sf.addUser((await s.api.http.get(`/v1/reps/${repId}`).set(c.org.auth)).body.email));
  const sync = await s.api.http.post('/v1/integrations/salesforce/users/sync').set(c.org.auth);
  expect(sync.status).toBe(200);
  return { users, sync: sync.body };
}

it('routes a Lead from an outbound message and writes its OwnerId back, with the reason, without Salesforce re-assigning it', async () => {
  const c = await connectedSalesforce(s, roundRobin, team(3), { routing_reason_field: 'Routeswit_Reason__c' });
  const { users, sync } = await withUsers(c);
  // Users come three to a query page of two: the sync follows nextRecordsUrl.
  expect(sync).toMatchObject({ mapped: 3, unmapped_reps: [], inactive_owners: [] });
  expect((await s.api.http.get(`/v1/reps/${c.reps[0]}`).set(c.org.auth)).body.crm.salesforce_user_id).toBe(users[0]);

  const leadId = c.sf.createLead({ Email: 'bea@acme.io', FirstName: 'Bea', LastName: 'Buyer', Company: 'Acme', Website: 'https://www.acme.io', NumberOfEmployees: 250, LeadSource: 'Web', Rating: 'Hot' });
  const sent = await c.sf.sendOutboundMessage(c.outboundUrl, [leadId]);
  expect(sent).toMatchObject({ status: 200, acked: true });
  const lead = await leadOfSalesforce(s, c.org, leadId);
  expect(lead).toMatchObject({ email: 'bea@acme.io', company: 'Acme', domain: 'acme.io', employees: 250, source: 'Web' });
  const synced = await eventOf(s as never, lead.id, 'CRM_SYNCED');
  const owner = users[c.reps.indexOf(lead.assigned_rep_id)];
  expect(synced.data).toMatchObject({ crm: 'salesforce', object_id: leadId, owner_id: owner });
  expect(c.sf.lead(leadId)!.OwnerId).toBe(owner);
  expect(c.sf.writes).toHaveLength(1);
  expect(c.sf.writes[0]!.autoAssign).toBe('FALSE');
  expect(String(c.sf.writes[0]!.body.Routeswit_Reason__c)).toMatch(/rule "inbound".*ROUND_ROBIN over team sdr → Rep \d/);
}, 90_000);

it('makes one lead per Lead id when Salesforce redelivers and reorders its messages', async () => {
  const c = await connectedSalesforce(s, roundRobin, team(2));
  await withUsers(c);
  const ids = [1, 2, 3].map((i) => c.sf.createLead({ Email: `again${i}@acme.io`, Company: 'Acme' }));
  expect((await c.sf.sendOutboundMessage(c.outboundUrl, ids)).acked).toBe(true);
  // The answer was lost on the way: Salesforce sends the same Leads again, in another order and split up.
  expect((await c.sf.sendOutboundMessage(c.outboundUrl, [ids[2]!, ids[0]!])).acked).toBe(true);
  expect((await c.sf.sendOutboundMessage(c.outboundUrl, [ids[1]!])).acked).toBe(true);
  for (const id of ids) await leadOfSalesforce(s, c.org, id);
  await waitFor(async () => ((await s.api.deps.db('crm_writes').where({ org_id: c.org.orgId, status: 'SYNCED' })).length === 3 ? true : null), { what: 'three owners written' });
  const leads = await s.api.deps.db('leads').where({ org_id: c.org.orgId });
  expect(leads).toHaveLength(3);
  expect(c.sf.writes.map((w) => w.leadId).sort()).toEqual([...ids].sort());
}, 90_000);

it('refuses an outbound message for an org that is not the connection\'s, or with a wrong token, with a SOAP fault and nothing written', async () => {
  const c = await connectedSalesforce(s, roundRobin, team(1));
  const leadId = c.sf.createLead({ Email: 'nobody@acme.io' });
  const before = await s.api.deps.db('crm_events').where({ org_id: c.org.orgId }).count<Array<{ count: number }>>();
  const otherOrg = await c.sf.sendOutboundMessage(c.outboundUrl, [leadId], { organizationId: '00D000000000099AAA' });
  expect(otherOrg).toMatchObject({ status: 401, acked: false });
  expect(otherOrg.body).toMatch(/<faultcode>soapenv:Client<\/faultcode>/);
  const badToken = await c.sf.sendOutboundMessage(c.outboundUrl.replace(/token=[^&]+/, 'token=not-the-token'), [leadId]);
  expect(badToken).toMatchObject({ status: 401, acked: false });
  const garbage = await fetch(c.outboundUrl, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>' });
  expect(garbage.status).toBe(422);
  expect(await garbage.text()).toMatch(/DOCTYPE or ENTITY declaration is not allowed/);
  expect(await s.api.deps.db('crm_events').where({ org_id: c.org.orgId }).count<Array<{ count: number }>>()).toEqual(before);
}, 60_000);

it('fails a deleted Lead at once, with ENTITY_IS_DELETED on the timeline, an alert and no retries', async () => {
  const c = await connectedSalesforce(s, roundRobin, team(1));
  await withUsers(c);
  const leadId = c.sf.createLead({ Email: 'gone@acme.io' });
  // Deleted after Routeswit read it, before the owner is written.
  const original = c.sf.lead(leadId)!;
  await c.sf.sendOutboundMessage(c.outboundUrl, [leadId]);
  const lead = await leadOfSalesforce(s, c.org, leadId);
  expect(original.Email).toBe('gone@acme.io');
  c.sf.deleteLead(leadId);
  await s.api.http.post(`/v1/leads/${lead.id}/reassign`).set(c.org.auth).send({});
  const failed = await eventOf(s as never, lead.id, 'CRM_SYNC_FAILED');
  expect(failed.data).toMatchObject({ crm: 'salesforce', object_id: leadId, status: 404 });
  expect(failed.data.reason).toMatch(/entity is deleted/);
  const write = await s.api.deps.db('crm_writes').where({ lead_id: lead.id, status: 'FAILED' }).first();
  expect(write.attempts).toBe(1);
  const alerts = (await s.api.http.get('/v1/intelligence/alerts?open=true').set(c.org.auth)).body;
  expect(alerts.map((a: { kind: string }) => a.kind)).toContain('CRM_SYNC_FAILED');
}, 90_000);

it('renews an expired session once and carries on', async () => {
  const c = await connectedSalesforce(s, roundRobin, team(1));
  await withUsers(c);
  c.sf.expireSessions();
  const leadId = c.sf.createLead({ Email: 'renew@acme.io' });
  await c.sf.sendOutboundMessage(c.outboundUrl, [leadId]);
  const lead = await leadOfSalesforce(s, c.org, leadId);
  await eventOf(s as never, lead.id, 'CRM_SYNCED');
  expect(c.sf.log.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(1);
}, 60_000);

it('never shows or stores a Salesforce secret in clear', async () => {
  const c = await connectedSalesforce(s, roundRobin, team(1));
  const got = (await s.api.http.get('/v1/integrations/salesforce').set(c.org.auth)).body;
  expect(got).toMatchObject({ organization_id: c.sf.organizationId, client_secret: '********', refresh_token: '********' });
  expect(got.outbound_message_url).toMatch(/token=\*{8}$/);
  const text = JSON.stringify([got, await s.api.deps.db('crm_connections').where({ org_id: c.org.orgId }), await s.api.deps.db('audit_log').where({ org_id: c.org.orgId })]);
  for (const secret of [c.sf.clientSecret, c.sf.refreshToken, new URL(c.outboundUrl).searchParams.get('token')!]) expect(text).not.toContain(secret);
}, 60_000);

it('routes by the owner Salesforce already has: a Contact with the same email, else the Account of the same domain', async () => {
  const rules = { rules: [{ id: 'owner-first', then: { strategy: 'CRM_OWNER', fallback: { strategy: 'ROUND_ROBIN', team: 'sdr' } } }] };
  const c = await connectedSalesforce(s, rules, team(3));
  const { users } = await withUsers(c);
  c.sf.addContact({ Email: 'known@client.io', OwnerId: users[1] });
  c.sf.addAccount({ Name: 'Bigco', Website: 'https://www.bigco.com/', OwnerId: users[2] });
  const known = c.sf.createLead({ Email: 'Known@Client.io', Company: 'Client' });
  const bigco = c.sf.createLead({ Email: 'new.person@bigco.com', Company: 'Bigco' });
  const stranger = c.sf.createLead({ Email: 'someone@elsewhere.io' });
  expect((await c.sf.sendOutboundMessage(c.outboundUrl, [known, bigco, stranger])).acked).toBe(true);
  const byContact = await leadOfSalesforce(s, c.org, known);
  expect(byContact.assigned_rep_id).toBe(c.reps[1]);
  expect(byContact.routing.explanation.stages[0].owners).toEqual([{ crm: 'salesforce', source: 'contact', owner_id: users[1], rep_id: c.reps[1] }]);
  const byAccount = await leadOfSalesforce(s, c.org, bigco);
  expect(byAccount.assigned_rep_id).toBe(c.reps[2]);
  expect(byAccount.routing.explanation.stages[0].owners).toEqual([{ crm: 'salesforce', source: 'company', owner_id: users[2], rep_id: c.reps[2] }]);
  // Nobody owns the third: the rule's fallback takes it.
  const none = await leadOfSalesforce(s, c.org, stranger);
  expect(none.routing.explanation.stages[0].owners ?? []).toEqual([]);
  expect(none.routing.explanation.stages).toHaveLength(2);
}, 90_000);

it('takes a deactivated Salesforce user off its rep at the sync, so no lead is written to them', async () => {
  const c = await connectedSalesforce(s, roundRobin, team(1));
  const { users } = await withUsers(c);
  c.sf.deactivateUser(users[0]!);
  const again = (await s.api.http.post('/v1/integrations/salesforce/users/sync').set(c.org.auth)).body;
  expect(again).toMatchObject({ mapped: 0, inactive_owners: [{ rep_id: c.reps[0], owner_id: users[0] }] });
  expect((await s.api.http.get(`/v1/reps/${c.reps[0]}`).set(c.org.auth)).body.crm.salesforce_user_id).toBeNull();
  const leadId = c.sf.createLead({ Email: 'late@acme.io' });
  await c.sf.sendOutboundMessage(c.outboundUrl, [leadId]);
  const lead = await leadOfSalesforce(s, c.org, leadId);
  const skipped = await eventOf(s as never, lead.id, 'CRM_SYNC_SKIPPED');
  expect(skipped.data.reason).toMatch(/has no Salesforce user id/);
  expect(c.sf.writes).toHaveLength(0);
}, 60_000);

it('fails at once when Salesforce says the owner is not a valid user (INVALID_CROSS_REFERENCE_KEY)', async () => {
  const c = await connectedSalesforce(s, roundRobin, team(1));
  // Set by hand to a user id this org does not have.
  const patch = await s.api.http.patch(`/v1/reps/${c.reps[0]}`).set(c.org.auth).send({ crm: { salesforce_user_id: '005000000000404AAA' } });
  expect(patch.status).toBe(200);
  const leadId = c.sf.createLead({ Email: 'wrong-owner@acme.io' });
  await c.sf.sendOutboundMessage(c.outboundUrl, [leadId]);
  const lead = await leadOfSalesforce(s, c.org, leadId);
  const failed = await eventOf(s as never, lead.id, 'CRM_SYNC_FAILED');
  expect(failed.data).toMatchObject({ status: 400 });
  expect(failed.data.reason).toMatch(/owner cannot be blank or inactive/);
  expect((await s.api.deps.db('crm_writes').where({ lead_id: lead.id }).first()).attempts).toBe(1);
}, 60_000);

it("maps a lead field from the Lead field the connection names, and keeps the org's custom fields as attributes", async () => {
  const rules = { rules: [{ id: 'segment', when: { field: 'attributes.Segment__c', op: 'eq', value: 'Enterprise' }, then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] };
  const c = await connectedSalesforce(s, rules, team(1), { field_map: { country: 'Billing_Country__c' } });
  const leadId = c.sf.createLead({ Email: 'mapped@acme.io', Country: 'US', Billing_Country__c: 'DE', Segment__c: 'Enterprise' });
  await c.sf.sendOutboundMessage(c.outboundUrl, [leadId]);
  const lead = await leadOfSalesforce(s, c.org, leadId);
  expect(lead.country).toBe('DE');
  expect(lead.attributes).toMatchObject({ Billing_Country__c: 'DE', Segment__c: 'Enterprise' });
  expect(lead.routing.rule_id).toBe('segment');
  expect((await s.api.http.get('/v1/integrations/salesforce').set(c.org.auth)).body.field_map).toEqual({ country: 'Billing_Country__c' });
}, 60_000);

it("audits a Salesforce change with the Salesforce connection as it was, not HubSpot's", async () => {
  const c = await connectedSalesforce(s, roundRobin, team(1));
  const put = await s.api.http.put('/v1/integrations/salesforce').set(c.org.auth).send({ organization_id: c.sf.organizationId, client_id: c.sf.clientId, create_leads: false });
  expect(put.status).toBe(200);
  const entries = (await s.api.http.get('/v1/audit?resource_type=integration').set(c.org.auth)).body;
  expect(entries[0]).toMatchObject({ resource_id: 'salesforce', before: { crm: 'salesforce', create_leads: true }, after: { crm: 'salesforce', create_leads: false } });
  expect(JSON.stringify(entries)).not.toContain(c.sf.clientSecret);
}, 60_000);
