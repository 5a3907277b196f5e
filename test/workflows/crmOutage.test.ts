import { sealText, parseKeyring } from '../../src/crypto/keyring';
import { putConnection } from '../../src/db/crmConnections';
import { createOrg } from '../../src/db/orgs';
import { RepCreate } from '../../src/schemas/reps';
import { RulesetCreate } from '../../src/schemas/rulesets';
import { ingestLead } from '../../src/services/leads';
import { createRep } from '../../src/services/reps';
import { createRuleset, publishRuleset } from '../../src/services/rulesets';
import { startFakeHubSpot, type FakeHubSpot } from '../fakes/hubspot';
import { testConfig } from '../helpers/stack';
import { startTimeSkipping, type TimeSkippingStack } from '../helpers/timeSkipping';
import { waitFor } from '../helpers/wait';

/**
 * Issue 28: HubSpot is down for ten minutes (the fake answers 503) while leads are assigned. The owner writes
 * are retried with backoff through the outage (simulated time: the time-skipping server), and when HubSpot is
 * back every owner is written, each once.
 */
let fake: FakeHubSpot;
let ts: TimeSkippingStack;
beforeAll(async () => {
  fake = await startFakeHubSpot();
  ts = await startTimeSkipping({ HUBSPOT_API_URL: fake.url });
});
afterAll(async () => {
  await ts.teardown();
  await fake.close();
});

const MIN = 60_000;

it('writes every owner once after a ten-minute outage', async () => {
  const portal = fake.portal();
  const org = await createOrg(ts.db, 'crm outage');
  const rep = await createRep(ts.deps, org.id, RepCreate.parse({ name: 'Ola', email: 'ola@seller.io', teams: ['sdr'] }));
  const ownerId = portal.addOwner('ola@seller.io');
  await ts.db('reps').where({ id: rep.id }).update({ crm: JSON.stringify({ hubspot_owner_id: ownerId }) });
  const rules = RulesetCreate.parse({ name: 'all', rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] });
  await publishRuleset(ts.deps, org.id, (await createRuleset(ts.deps, org.id, rules)).id);
  const ring = parseKeyring(testConfig().ENCRYPTION_KEYS!);
  await putConnection(ts.db, org.id, 'hubspot', {
    account_id: portal.portalId,
    secrets: sealText(ring, JSON.stringify({ client_secret: portal.clientSecret, access_token: portal.privateToken })),
    oauth_client_id: null,
    options: { create_leads: true, write_owner: true, overwrite_owner: false, routing_reason_property: null },
  });

  portal.state.down = true;
  const contacts = Array.from({ length: 5 }, (_, i) => portal.createContact({ email: `outage${i}@buyer.io` }));
  for (const c of contacts) await ingestLead(ts.deps, org.id, { email: `outage-${c.id}@buyer.io`, external_id: `hubspot:contact:${c.id}` }, { waitMs: 0 });
  await waitFor(async () => Number((await ts.db('crm_writes').where({ org_id: org.id }).whereNotNull('dispatched_at').count<Array<{ n: string }>>({ n: '*' }))[0]!.n) === 5, { what: 'five owner writes handed to their workflows' });
  await waitFor(async () => portal.log.filter((r) => r.status === 503).length >= 5, { what: 'every write met the outage' });

  // Ten minutes of outage, in simulated time: the writes keep being retried.
  for (let i = 0; i < 10; i++) await ts.env.sleep(MIN);
  const triedDuringOutage = portal.log.filter((r) => r.status === 503).length;
  expect(triedDuringOutage).toBeGreaterThan(10);
  expect(Number((await ts.db('crm_writes').where({ org_id: org.id, status: 'PENDING' }).count({ n: '*' }))[0]!.n)).toBe(5);

  portal.state.down = false;
  const synced = await waitFor(
    async () => {
      await ts.env.sleep(MIN);
      const rows = await ts.db('events').where({ org_id: org.id, type: 'CRM_SYNCED' });
      return rows.length === 5 ? rows : null;
    },
    { timeoutMs: 60_000, intervalMs: 10, what: 'five CRM_SYNCED events' },
  );
  expect(synced.map((e) => e.data.owner_id)).toEqual(Array(5).fill(ownerId));
  expect(portal.writes.map((w) => w.contactId).sort()).toEqual(contacts.map((c) => c.id).sort());
  expect(Number((await ts.db('crm_writes').where({ org_id: org.id, status: 'SYNCED' }).count({ n: '*' }))[0]!.n)).toBe(5);
}, 120_000);
