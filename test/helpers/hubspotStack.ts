import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeHubSpot, type FakeHubSpot, type FakeHubSpotOptions, type FakePortal } from '../fakes/hubspot';
import { newOrg, publishRules, startApi, startWorker, type TestApi, type TestOrg, type TestWorker } from './stack';
import { waitFor } from './wait';

/**
 * The real API (listening on loopback, so the fake can call its webhook) and worker on a task queue of their
 * own, pointed at a fake HubSpot: what a HubSpot test file starts with.
 */
export interface HubSpotStack {
  fake: FakeHubSpot;
  api: TestApi;
  worker: TestWorker;
  /** The webhook URL as HubSpot is told it. */
  webhookUrl: string;
  close(): Promise<void>;
}

export async function startHubSpotStack(name: string, fakeOptions: FakeHubSpotOptions = {}, overrides: Record<string, string> = {}): Promise<HubSpotStack> {
  const fake = await startFakeHubSpot(fakeOptions);
  const queue = `${name}-${process.pid}`;
  const settings = { HUBSPOT_API_URL: fake.url, TEMPORAL_TASK_QUEUE: queue, RATE_LIMIT_PER_SECOND: '0', ...overrides };
  const api = startApi(settings);
  const server: Server = await new Promise((resolve) => {
    const s = api.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/integrations/hubspot/webhook`;
  // HubSpot's flows need no webhook deliveries or notifications: this stack leaves the outbox to the others.
  const worker = await startWorker(queue, settings, { outbox: false });
  return {
    fake,
    api,
    worker,
    webhookUrl,
    close: async () => {
      await worker.stop();
      await new Promise((resolve) => server.close(resolve));
      await api.close();
      await fake.close();
    },
  };
}

/**
 * An organization with these reps and rules, connected to a new HubSpot account of the fake (by its private
 * app token unless `connection` says otherwise).
 */
export async function connectedOrg(s: HubSpotStack, rules: object, reps: Array<Record<string, unknown>>, connection: (p: FakePortal) => Record<string, unknown> = () => ({})): Promise<{ org: TestOrg; reps: string[]; portal: FakePortal }> {
  const portal = s.fake.portal();
  const org = await newOrg(s.api.deps.db);
  const ids: string[] = [];
  for (const [i, r] of reps.entries()) {
    const res = await s.api.http.post('/v1/reps').set(org.auth).send({ name: `Rep ${i}`, email: `rep${i}@seller.io`, ...r });
    expect(res.status).toBe(200);
    ids.push(res.body.id);
  }
  await publishRules(s.api, org, rules);
  const put = await s.api.http
    .put('/v1/integrations/hubspot')
    .set(org.auth)
    .send({ portal_id: portal.portalId, client_secret: portal.clientSecret, access_token: portal.privateToken, ...connection(portal) });
  expect(put.status).toBe(200);
  return { org, reps: ids, portal };
}

/** The lead a HubSpot contact became, once its routing is decided. */
export function leadOfContact(s: HubSpotStack, org: TestOrg, contactId: string, status = 'ASSIGNED') {
  return waitFor(
    async () => {
      const row = await s.api.deps.db('leads').where({ org_id: org.orgId, external_id: `hubspot:contact:${contactId}` }).first();
      return row && row.status === status ? row : null;
    },
    { timeoutMs: 30_000, what: `the lead of contact ${contactId} ${status}` },
  );
}

/** The lead's timeline events of a type, once there is one. */
export function eventOf(s: HubSpotStack, leadId: string, type: string, timeoutMs = 30_000) {
  return waitFor(() => s.api.deps.db('events').where({ lead_id: leadId, type }).first(), { timeoutMs, what: `${type} on lead ${leadId}` });
}
