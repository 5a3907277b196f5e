import { sfTime } from '../fakes/salesforce';
import { connectedSalesforce, leadOfSalesforce, startSalesforceStack, type SalesforceStack } from '../helpers/salesforceStack';
import { waitFor } from '../helpers/wait';
import { crmPollScheduleId } from '../../src/temporal/crm';

/**
 * Issue 30: Leads polled from Salesforce. After a 30-minute gap (Routeswit down) one poll takes every Lead
 * created meanwhile, each once — also two of the same second, and one of the very second the last poll
 * stopped at — following nextRecordsUrl; the next poll takes nothing again; a Lead also sent by outbound
 * message is still one lead; a changed field reaches the lead.
 */
let s: SalesforceStack;
beforeAll(async () => {
  s = await startSalesforceStack('salesforce-poll', { pageSize: 2 });
}, 60_000);
afterAll(() => s?.close());

const minutesAgo = (m: number, extraMs = 0) => new Date(Math.floor((Date.now() - m * 60_000) / 1000) * 1000 + extraMs);

async function poll(orgId: string, expectLeads: number) {
  await s.api.deps.temporal.client.schedule.getHandle(crmPollScheduleId('salesforce', orgId)).trigger();
  await waitFor(async () => ((await s.api.deps.db('leads').where({ org_id: orgId })).length >= expectLeads ? true : null), { timeoutMs: 30_000, what: `${expectLeads} leads` });
}

it('catches every Lead of a 30-minute gap once, and nothing twice', async () => {
  const c = await connectedSalesforce(s, { rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' }, reroute_on_change: ['attributes.Rating'] }] }, [{ teams: ['sdr'] }], { intake: 'both', poll_seconds: 3600 });
  const described = await s.api.deps.temporal.client.schedule.getHandle(crmPollScheduleId('salesforce', c.org.orgId)).describe();
  expect(described.action).toMatchObject({ workflowType: 'crmPollWorkflow' });
  // The last poll stopped 30 minutes ago, at a Lead of that very second.
  const stop = minutesAgo(30);
  const before = c.sf.createLead({ Email: 'before@gap.io', CreatedDate: sfTime(stop), LastModifiedDate: sfTime(stop) });
  await s.api.deps.db('crm_connections').where({ org_id: c.org.orgId, crm: 'salesforce' }).update({ poll_cursor: JSON.stringify({ created: { at: stop.toISOString(), id: before }, modified: { at: stop.toISOString(), id: before } }) });
  const at = (d: Date) => ({ CreatedDate: sfTime(d), LastModifiedDate: sfTime(d) });
  const gap = [
    c.sf.createLead({ Email: 'same-second@gap.io', ...at(stop) }),
    c.sf.createLead({ Email: 'gap1@gap.io', ...at(minutesAgo(20)) }),
    c.sf.createLead({ Email: 'gap2@gap.io', ...at(minutesAgo(10)) }),
    c.sf.createLead({ Email: 'gap3@gap.io', ...at(minutesAgo(10)) }),
    c.sf.createLead({ Email: 'gap4@gap.io', ...at(minutesAgo(1)) }),
  ];
  await poll(c.org.orgId, 5);
  for (const id of gap) await leadOfSalesforce(s, c.org, id);
  expect(await s.api.deps.db('leads').where({ org_id: c.org.orgId, external_id: `salesforce:lead:${before}` }).first()).toBeUndefined();
  // Three pages of two: the poll followed nextRecordsUrl.
  expect(c.sf.log.filter((r) => /\/query\/01g/.test(r.path)).length).toBeGreaterThanOrEqual(2);

  // A Lead of the same second as the last one taken, sent by outbound message too: one lead.
  const last = c.sf.lead(gap[4]!)!;
  const late = c.sf.createLead({ Email: 'late@gap.io', CreatedDate: last.CreatedDate, LastModifiedDate: last.LastModifiedDate });
  expect((await c.sf.sendOutboundMessage(c.outboundUrl, [late])).acked).toBe(true);
  await poll(c.org.orgId, 6);
  await poll(c.org.orgId, 6);
  const leads = await s.api.deps.db('leads').where({ org_id: c.org.orgId });
  expect(leads.map((l: { email: string }) => l.email).sort()).toEqual(['gap1@gap.io', 'gap2@gap.io', 'gap3@gap.io', 'gap4@gap.io', 'late@gap.io', 'same-second@gap.io']);

  // A field the rules read changes in Salesforce: the next poll brings it to the lead.
  c.sf.changeLead(gap[1]!, { Rating: 'Hot' });
  await s.api.deps.temporal.client.schedule.getHandle(crmPollScheduleId('salesforce', c.org.orgId)).trigger();
  await waitFor(async () => {
    const row = await s.api.deps.db('leads').where({ org_id: c.org.orgId, external_id: `salesforce:lead:${gap[1]}` }).first();
    return row.attributes.Rating === 'Hot' ? row : null;
  }, { timeoutMs: 30_000, what: 'the changed Rating on the lead' });
  const connection = (await s.api.http.get('/v1/integrations/salesforce').set(c.org.auth)).body;
  expect(connection).toMatchObject({ intake: 'both', poll_seconds: 3600 });
  expect(connection.last_poll_at).not.toBeNull();
}, 120_000);

it('stops polling when the connection no longer polls', async () => {
  const c = await connectedSalesforce(s, { rules: [] }, [], { intake: 'polling', poll_seconds: 60 });
  const handle = s.api.deps.temporal.client.schedule.getHandle(crmPollScheduleId('salesforce', c.org.orgId));
  expect((await handle.describe()).spec.intervals?.[0]?.every).toBe(60_000);
  const put = await s.api.http.put('/v1/integrations/salesforce').set(c.org.auth).send({ organization_id: c.sf.organizationId, client_id: c.sf.clientId, intake: 'outbound_messages' });
  expect(put.status).toBe(200);
  await expect(handle.describe()).rejects.toThrow(/not found/i);
}, 60_000);
