import { connectedOrg, eventOf, leadOfContact, startHubSpotStack, type HubSpotStack } from '../helpers/hubspotStack';
import type { TestOrg } from '../helpers/stack';

/**
 * Issue 28: HubSpot's webhook has no API key; HubSpot's v3 signature is its authentication. A request with a
 * bad signature, a stale timestamp or an account nobody connected is 401 with nothing written, and HubSpot's
 * secrets are never in the database in clear, in an answer, in the audit log or in Temporal's history.
 */
let s: HubSpotStack;
beforeAll(async () => {
  s = await startHubSpotStack('hubspot-sec');
}, 60_000);
afterAll(() => s.close());

const rules = { rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] };
const written = async (org: TestOrg) => ({
  events: Number((await s.api.deps.db('crm_events').where({ org_id: org.orgId }).count<Array<{ n: string }>>({ n: '*' }))[0]!.n),
  leads: Number((await s.api.deps.db('leads').where({ org_id: org.orgId }).count<Array<{ n: string }>>({ n: '*' }))[0]!.n),
});

describe('refused with 401, nothing written', () => {
  it('a signature made with another secret', async () => {
    const { org, portal } = await connectedOrg(s, rules, [{ teams: ['sdr'] }]);
    const res = await portal.sendWebhook(s.webhookUrl, [portal.createContact({ email: 'a@x.io' }).event], { secret: 'not-the-client-secret' });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code: 'UNAUTHORIZED', message: expect.stringMatching(/signature does not match/) } });
    expect(await written(org)).toEqual({ events: 0, leads: 0 });
  });

  it('a timestamp more than five minutes old, even correctly signed', async () => {
    const { org, portal } = await connectedOrg(s, rules, [{ teams: ['sdr'] }]);
    const res = await portal.sendWebhook(s.webhookUrl, [portal.createContact({ email: 'b@x.io' }).event], { timestamp: Date.now() - 6 * 60_000 });
    expect(res.status).toBe(401);
    expect(res.body!.error).toMatchObject({ message: expect.stringMatching(/more than 5 minutes/) });
    expect(await written(org)).toEqual({ events: 0, leads: 0 });
  });

  it('an account no organization connected, signed with a connected one\'s secret', async () => {
    const { org, portal } = await connectedOrg(s, rules, [{ teams: ['sdr'] }]);
    const stranger = s.fake.portal();
    const event = { ...stranger.createContact({ email: 'c@x.io' }).event };
    const res = await portal.sendWebhook(s.webhookUrl, [event]);
    expect(res.status).toBe(401);
    expect(await written(org)).toEqual({ events: 0, leads: 0 });
  });

  it('a batch mixing a connected account with one that is not', async () => {
    const { org, portal } = await connectedOrg(s, rules, [{ teams: ['sdr'] }]);
    const stranger = s.fake.portal();
    const res = await portal.sendWebhook(s.webhookUrl, [portal.createContact({ email: 'd@x.io' }).event, stranger.createContact({ email: 'e@x.io' }).event]);
    expect(res.status).toBe(401);
    expect(await written(org)).toEqual({ events: 0, leads: 0 });
  });

  it('no signature headers at all, and a body that is not HubSpot\'s', async () => {
    const plain = await fetch(s.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' });
    expect(plain.status).toBe(401);
  });
});

it('keeps HubSpot secrets out of the database, answers, the audit log and Temporal history', async () => {
  const { org, portal } = await connectedOrg(s, rules, [{ teams: ['sdr'], email: 'rep0@seller.io' }], (p) => ({ access_token: undefined, oauth: { client_id: p.clientId, refresh_token: p.refreshToken } }));
  portal.addOwner('rep0@seller.io');
  await s.api.http.post('/v1/integrations/hubspot/owners/sync').set(org.auth);
  const contact = portal.createContact({ email: 'secret@x.io' });
  await portal.sendWebhook(s.webhookUrl, [contact.event]);
  const lead = await leadOfContact(s, org, contact.id);
  await eventOf(s, lead.id, 'CRM_SYNCED');
  const secrets = [portal.clientSecret, portal.refreshToken, ...portal.issued];
  expect(portal.issued.length).toBeGreaterThan(0);
  const db = s.api.deps.db;
  const dump = JSON.stringify([
    await db('crm_connections').where({ org_id: org.orgId }),
    await db('audit_log').where({ org_id: org.orgId }),
    await db('crm_writes').where({ org_id: org.orgId }),
    await db('idempotency_keys').select('*').limit(1000),
  ]);
  for (const secret of secrets) expect(dump).not.toContain(secret);
  const answer = JSON.stringify([(await s.api.http.get('/v1/integrations/hubspot').set(org.auth)).body, (await s.api.http.get('/v1/integrations').set(org.auth)).body]);
  for (const secret of secrets) expect(answer).not.toContain(secret);
  expect(answer).toContain('********');

  // Temporal's history of the owner write, read raw (no codec): activities get ids, never secrets.
  const handle = s.api.deps.temporal.client.workflow.getHandle(`crm-hubspot-${lead.id}`);
  const history = JSON.stringify(await handle.fetchHistory());
  for (const secret of secrets) expect(history).not.toContain(secret);
  expect(history).toContain('writeCrmOwner');
}, 60_000);
