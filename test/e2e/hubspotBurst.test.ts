import { connectedOrg, startHubSpotStack, type HubSpotStack } from '../helpers/hubspotStack';
import { waitFor } from '../helpers/wait';

/**
 * Issue 28: HubSpot allows an app 100 requests per 10 seconds per account. A burst of 300 new contacts (three
 * webhook requests of 100, as HubSpot batches them) becomes 300 leads and 300 owners written, and the account
 * never sees more than 100 requests in any 10 seconds: the budget is shared by every lead, not per lead.
 */
let s: HubSpotStack;
beforeAll(async () => {
  s = await startHubSpotStack('hubspot-burst');
}, 60_000);
afterAll(() => s.close());

it('routes 300 new contacts and writes 300 owners without passing 100 requests per 10 s', async () => {
  const team = ['a', 'b', 'c'].map((n) => ({ name: n.toUpperCase(), email: `${n}@seller.io`, teams: ['sdr'] }));
  const { org, portal } = await connectedOrg(s, { rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] }, team);
  for (const r of team) portal.addOwner(r.email);
  expect((await s.api.http.post('/v1/integrations/hubspot/owners/sync').set(org.auth)).body.mapped).toBe(3);
  const contacts = Array.from({ length: 300 }, (_, i) => portal.createContact({ email: `burst${i}@buyer.io` }));
  for (let i = 0; i < 300; i += 100) {
    expect((await portal.sendWebhook(s.webhookUrl, contacts.slice(i, i + 100).map((c) => c.event))).body).toEqual({ received: 100, duplicates: 0 });
  }
  const synced = await waitFor(
    async () => {
      const [{ n }] = await s.api.deps.db('events').where({ org_id: org.orgId, type: 'CRM_SYNCED' }).count<Array<{ n: string }>>({ n: '*' });
      return Number(n) >= 300 ? Number(n) : null;
    },
    { timeoutMs: 150_000, intervalMs: 1000, what: '300 owners written' },
  );
  expect(synced).toBe(300);
  expect(portal.state.overBudget).toBe(0);
  expect(portal.maxPerWindow()).toBeLessThanOrEqual(100);
  // Each contact's owner written once, to the rep its lead went to.
  const writesPer = new Map<string, number>();
  for (const w of portal.writes) writesPer.set(w.contactId, (writesPer.get(w.contactId) ?? 0) + 1);
  expect(writesPer.size).toBe(300);
  expect(Math.max(...writesPer.values())).toBe(1);
}, 200_000);
