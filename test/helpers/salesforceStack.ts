import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeSalesforce, type FakeSalesforce, type FakeSalesforceOptions, type FakeSalesforceOrg } from '../fakes/salesforce';
import { newOrg, publishRules, startApi, startWorker, type TestApi, type TestOrg, type TestWorker } from './stack';
import { waitFor } from './wait';

/**
 * The real API (on loopback, so the fake can send outbound messages to it) and worker on a task queue of their
 * own, pointed at a fake Salesforce: what a Salesforce test file starts with.
 */
export interface SalesforceStack {
  fake: FakeSalesforce;
  api: TestApi;
  worker: TestWorker;
  /** This API as Salesforce reaches it. */
  base: string;
  close(): Promise<void>;
}

export async function startSalesforceStack(name: string, fakeOptions: FakeSalesforceOptions = {}, overrides: Record<string, string> = {}): Promise<SalesforceStack> {
  const fake = await startFakeSalesforce(fakeOptions);
  const queue = `${name}-${process.pid}`;
  const settings = { SALESFORCE_LOGIN_URL: fake.url, TEMPORAL_TASK_QUEUE: queue, RATE_LIMIT_PER_SECOND: '0', ...overrides };
  const api = startApi(settings);
  const server: Server = await new Promise((resolve) => {
    const s = api.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const worker = await startWorker(queue, settings, { outbox: false });
  return {
    fake,
    api,
    worker,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await worker.stop();
      await new Promise((resolve) => server.close(resolve));
      await api.close();
      await fake.close();
    },
  };
}

export interface ConnectedSalesforce {
  org: TestOrg;
  reps: string[];
  sf: FakeSalesforceOrg;
  /** The outbound message URL (with its token) on this API. */
  outboundUrl: string;
}

/** An organization with these reps (each also a Salesforce user) and rules, connected to a new org of the fake. */
export async function connectedSalesforce(s: SalesforceStack, rules: object, reps: Array<Record<string, unknown>>, connection: Record<string, unknown> = {}): Promise<ConnectedSalesforce> {
  const sf = s.fake.org();
  const org = await newOrg(s.api.deps.db);
  const ids: string[] = [];
  for (const [i, r] of reps.entries()) {
    const res = await s.api.http.post('/v1/reps').set(org.auth).send({ name: `Rep ${i}`, email: `rep${i}-${process.pid}@seller.io`, ...r });
    expect(res.status).toBe(200);
    ids.push(res.body.id);
  }
  await publishRules(s.api, org, rules);
  const put = await s.api.http
    .put('/v1/integrations/salesforce')
    .set(org.auth)
    .send({ organization_id: sf.organizationId, client_id: sf.clientId, client_secret: sf.clientSecret, refresh_token: sf.refreshToken, ...connection });
  expect(put.status).toBe(200);
  const url = new URL(put.body.outbound_message_url);
  return { org, reps: ids, sf, outboundUrl: `${s.base}${url.pathname}${url.search}` };
}

/** The lead a Salesforce Lead became, once in this status. */
export function leadOfSalesforce(s: SalesforceStack, org: TestOrg, leadId: string, status = 'ASSIGNED') {
  return waitFor(
    async () => {
      const row = await s.api.deps.db('leads').where({ org_id: org.orgId, external_id: `salesforce:lead:${leadId}` }).first();
      return row && row.status === status ? row : null;
    },
    { timeoutMs: 30_000, what: `the lead of Salesforce Lead ${leadId} ${status}` },
  );
}
