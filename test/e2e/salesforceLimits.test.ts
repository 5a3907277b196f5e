import { connectedSalesforce, startSalesforceStack, type SalesforceStack } from '../helpers/salesforceStack';
import { waitFor } from '../helpers/wait';

/**
 * Issue 30: when the org's daily API allocation is spent Salesforce answers every call 403
 * REQUEST_LIMIT_EXCEEDED. Routeswit stops calling for a long while (SALESFORCE_LIMIT_PAUSE_SECONDS, short
 * here), says so in one alert however many leads wait, and writes every owner once the allocation is back.
 */
let s: SalesforceStack;
beforeAll(async () => {
  s = await startSalesforceStack('salesforce-limits', {}, { SALESFORCE_LIMIT_PAUSE_SECONDS: '3' });
}, 60_000);
afterAll(() => s?.close());

it('backs off when the daily allocation is spent, raises one alert, and writes every owner once it is back', async () => {
  const c = await connectedSalesforce(s, { rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] }, [{ teams: ['sdr'] }, { teams: ['sdr'] }]);
  for (const repId of c.reps) c.sf.addUser((await s.api.http.get(`/v1/reps/${repId}`).set(c.org.auth)).body.email);
  expect((await s.api.http.post('/v1/integrations/salesforce/users/sync').set(c.org.auth)).body.mapped).toBe(2);
  const ids = [1, 2, 3, 4].map((i) => c.sf.createLead({ Email: `limited${i}@acme.io` }));
  c.sf.setExhausted(true);
  // Leads that came from Salesforce another way (a form posting to the API with the Lead's id).
  for (const [i, id] of ids.entries()) {
    expect((await s.api.http.post('/v1/leads').set(c.org.auth).send({ email: `limited${i + 1}@acme.io`, external_id: `salesforce:lead:${id}` })).status).toBe(200);
  }
  const alert = await waitFor(async () => (await s.api.http.get('/v1/intelligence/alerts?open=true').set(c.org.auth)).body.find((a: { kind: string }) => a.kind === 'CRM_LIMIT_EXCEEDED'), { what: 'the allocation alert' });
  expect(alert.message).toMatch(/daily API allocation is spent/);
  // While paused nothing is sent: a handful of refusals, not one per retry per lead.
  await new Promise((r) => setTimeout(r, 1500));
  const refusedWhilePaused = c.sf.state.refused;
  expect(refusedWhilePaused).toBeLessThanOrEqual(4);
  c.sf.setExhausted(false);
  await waitFor(async () => ((await s.api.deps.db('crm_writes').where({ org_id: c.org.orgId, status: 'SYNCED' })).length === 4 ? true : null), { timeoutMs: 60_000, what: 'four owners written' });
  expect(c.sf.writes.map((w) => w.leadId).sort()).toEqual([...ids].sort());
  const alerts = (await s.api.http.get('/v1/intelligence/alerts?open=true').set(c.org.auth)).body.filter((a: { kind: string }) => a.kind === 'CRM_LIMIT_EXCEEDED');
  expect(alerts).toHaveLength(1);
}, 120_000);
