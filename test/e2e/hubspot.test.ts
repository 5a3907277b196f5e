import { connectedOrg, eventOf, leadOfContact, startHubSpotStack, type HubSpotStack } from '../helpers/hubspotStack';
import { waitFor } from '../helpers/wait';

/**
 * Issue 28, end to end against the fake HubSpot: a contact created in HubSpot becomes a lead (the webhook,
 * the contact read), is routed, and its owner is written back; owners are mapped to reps by email; the owner
 * write copes with a token that expired, a 429 with Retry-After, a rep without an owner id and a contact
 * that is gone.
 */
let s: HubSpotStack;
beforeAll(async () => {
  s = await startHubSpotStack('hubspot');
}, 60_000);
afterAll(() => s.close());

const roundRobin = { rules: [{ id: 'everyone', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] };
const sdr = (name: string) => ({ name, email: `${name.toLowerCase()}@seller.io`, teams: ['sdr'] });

it('maps owners to reps by email, creates a lead from a new contact, routes it and writes its owner back', async () => {
  const { org, reps, portal } = await connectedOrg(s, roundRobin, [sdr('Ann')], () => ({ routing_reason_property: 'routeswit_reason' }));
  const ownerId = portal.addOwner('ANN@seller.io');
  portal.addOwner('nobody@seller.io');
  const sync = await s.api.http.post('/v1/integrations/hubspot/owners/sync').set(org.auth);
  expect(sync.status).toBe(200);
  expect(sync.body).toMatchObject({ mapped: 1, changed: 1, unmapped_reps: [], unmapped_owners: [{ email: 'nobody@seller.io' }] });
  expect((await s.api.http.get(`/v1/reps/${reps[0]}`).set(org.auth)).body.crm).toEqual({ hubspot_owner_id: ownerId, salesforce_user_id: null });

  const contact = portal.createContact({ email: 'buyer@acme.io', firstname: 'Bea', lastname: 'Buyer', company: 'Acme', numemployees: '250', lifecyclestage: 'lead' });
  const hook = await portal.sendWebhook(s.webhookUrl, [contact.event]);
  expect(hook).toMatchObject({ status: 200, body: { received: 1, duplicates: 0 } });

  const lead = await leadOfContact(s, org, contact.id);
  expect(lead).toMatchObject({ source: 'hubspot', email: 'buyer@acme.io', first_name: 'Bea', company: 'Acme', employees: 250, assigned_rep_id: reps[0] });
  const synced = await eventOf(s, lead.id, 'CRM_SYNCED');
  expect(synced.data).toEqual({ crm: 'hubspot', object_id: contact.id, owner_id: ownerId });
  const write = portal.writes.find((w) => w.contactId === contact.id)!;
  expect(write.properties.hubspot_owner_id).toBe(ownerId);
  expect(write.properties.routeswit_reason).toMatch(/rule "everyone".*ROUND_ROBIN over team sdr → Ann/);
  expect(portal.contacts.get(contact.id)!.hubspot_owner_id).toBe(ownerId);

  const status = (await s.api.http.get('/v1/integrations/hubspot').set(org.auth)).body;
  expect(status.status).toMatchObject({ writes_24h: 1, failures_24h: 0, pending_writes: 0 });
  expect(status.status.last_event_at).not.toBeNull();
  expect(status.status.last_write_at).not.toBeNull();
  expect((await s.api.http.get('/v1/integrations').set(org.auth)).body.hubspot).toMatchObject({ portal_id: portal.portalId, status: { writes_24h: 1 } });
}, 60_000);

it('takes an event HubSpot delivers twice once: one lead, one owner written', async () => {
  const { org, portal } = await connectedOrg(s, roundRobin, [sdr('Bo')]);
  portal.addOwner('bo@seller.io');
  await s.api.http.post('/v1/integrations/hubspot/owners/sync').set(org.auth);
  const contact = portal.createContact({ email: 'twice@acme.io' });
  expect((await portal.sendWebhook(s.webhookUrl, [contact.event])).body).toEqual({ received: 1, duplicates: 0 });
  expect((await portal.sendWebhook(s.webhookUrl, [{ ...contact.event, attemptNumber: 1 }])).body).toEqual({ received: 0, duplicates: 1 });
  const lead = await leadOfContact(s, org, contact.id);
  await eventOf(s, lead.id, 'CRM_SYNCED');
  await new Promise((r) => setTimeout(r, 1500));
  expect(Number((await s.api.deps.db('leads').where({ org_id: org.orgId }).count({ n: '*' }))[0]!.n)).toBe(1);
  expect(portal.writes.filter((w) => w.contactId === contact.id)).toHaveLength(1);
}, 60_000);

it('skips the write for a rep with no HubSpot owner id, saying why on the timeline', async () => {
  const { org, portal } = await connectedOrg(s, roundRobin, [sdr('Cy')]);
  const contact = portal.createContact({ email: 'unowned@acme.io' });
  await portal.sendWebhook(s.webhookUrl, [contact.event]);
  const lead = await leadOfContact(s, org, contact.id);
  const skipped = await eventOf(s, lead.id, 'CRM_SYNC_SKIPPED');
  expect(skipped.data.reason).toMatch(/Rep 0|Cy.*has no HubSpot owner id/);
  expect(portal.writes).toHaveLength(0);
}, 60_000);

it('refreshes an expired OAuth access token once and writes the owner', async () => {
  const { org, portal } = await connectedOrg(s, roundRobin, [sdr('Di')], (p) => ({ access_token: undefined, oauth: { client_id: p.clientId, refresh_token: p.refreshToken } }));
  const ownerId = portal.addOwner('di@seller.io');
  await s.api.http.post('/v1/integrations/hubspot/owners/sync').set(org.auth);
  portal.expireTokens();
  const contact = portal.createContact({ email: 'oauth@acme.io' });
  await portal.sendWebhook(s.webhookUrl, [contact.event]);
  const lead = await leadOfContact(s, org, contact.id);
  expect((await eventOf(s, lead.id, 'CRM_SYNCED')).data.owner_id).toBe(ownerId);
  const refreshes = portal.log.filter((r) => r.path === '/oauth/v1/token');
  const refused = portal.log.filter((r) => r.status === 401);
  expect(refreshes.length).toBeGreaterThanOrEqual(2); // the first token, and the one after the 401
  expect(refused).toHaveLength(1);
}, 60_000);

it('waits as long as a 429 says (Retry-After) before writing again', async () => {
  const { org, portal } = await connectedOrg(s, roundRobin, [sdr('Ed')]);
  portal.addOwner('ed@seller.io');
  await s.api.http.post('/v1/integrations/hubspot/owners/sync').set(org.auth);
  const contact = portal.createContact({ email: 'busy@acme.io' });
  await portal.sendWebhook(s.webhookUrl, [contact.event]);
  const lead = await leadOfContact(s, org, contact.id);
  // The lead is routed; its owner write meets a 429 asking for 3 s.
  portal.state.forced429.push({ 'Retry-After': '3' });
  const synced = await eventOf(s, lead.id, 'CRM_SYNCED');
  const limited = portal.log.find((r) => r.status === 429)!;
  const after = portal.log.filter((r) => r.at > limited.at);
  expect(after[0]!.at - limited.at).toBeGreaterThanOrEqual(2900);
  expect(synced).toBeTruthy();
}, 60_000);

it('fails at once on a contact HubSpot no longer has (404): CRM_SYNC_FAILED, an alert and crm.sync_failed', async () => {
  const { org, reps, portal } = await connectedOrg(s, roundRobin, [sdr('Flo')]);
  portal.addOwner('flo@seller.io');
  await s.api.http.post('/v1/integrations/hubspot/owners/sync').set(org.auth);
  // A lead sent by a client with the HubSpot form of external_id, naming a contact that does not exist.
  const created = await s.api.http.post('/v1/leads?wait_ms=5000').set(org.auth).send({ email: 'ghost@acme.io', external_id: 'hubspot:contact:99999999' });
  expect(created.body.assigned_rep_id).toBe(reps[0]);
  const failed = await eventOf(s, created.body.id, 'CRM_SYNC_FAILED');
  expect(failed.data).toMatchObject({ crm: 'hubspot', object_id: '99999999', status: 404 });
  expect(portal.log.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  const alert = await waitFor(() => s.api.deps.db('alerts').where({ org_id: org.orgId, kind: 'CRM_SYNC_FAILED' }).first());
  expect(alert.message).toMatch(/99999999/);
  expect((await s.api.http.get('/v1/integrations/hubspot').set(org.auth)).body.status.failures_24h).toBe(1);
}, 60_000);
