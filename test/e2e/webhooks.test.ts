import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '../../src/crypto/webhookSignature';
import { REDRIVE_AFTER_SECONDS, startDispatcher } from '../../src/worker/dispatcher';
import { newOrg, startApi, startWorker, type TestApi, type TestOrg, type TestWorker } from '../helpers/stack';
import { waitFor } from '../helpers/wait';
import { slackReceiver } from '../helpers/slackReceiver';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on localhost that answers with the statuses it is given, in order, then 200. */
async function receiver(statuses: number[] = [], delayMs = 0) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      setTimeout(() => {
        res.statusCode = statuses.shift() ?? 200;
        res.end('ok');
      }, delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { received, statuses, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, close: () => new Promise((r) => server.close(r)) };
}

let api: TestApi;
let worker: TestWorker;
let dispatcher: { stop(): Promise<void> };

beforeAll(async () => {
  api = startApi();
  worker = await startWorker();
  dispatcher = startDispatcher({ db: api.deps.db, temporal: api.deps.temporal, logger: api.deps.logger, intervalMs: 200 });
});
afterAll(async () => {
  await dispatcher.stop();
  await worker.stop();
  await api.close();
});

async function orgWithTeam(): Promise<{ org: TestOrg; reps: string[] }> {
  const org = await newOrg(api.deps.db);
  const reps: string[] = [];
  for (let i = 0; i < 2; i++) reps.push((await api.http.post('/v1/reps').set(org.auth).send({ name: `R${i}`, email: `r${i}@wh.io`, teams: ['sdr'] })).body.id);
  const rs = await api.http.post('/v1/rules').set(org.auth).send({ name: 'all', rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] });
  await api.http.post(`/v1/rules/${rs.body.id}/publish`).set(org.auth);
  return { org, reps };
}

describe('webhooks', () => {
  it('signs each delivery, retries a receiver answering 500, and records every attempt', async () => {
    const { org } = await orgWithTeam();
    const rx = await receiver([500, 500]);
    try {
      const hook = await api.http.post('/v1/webhooks').set(org.auth).send({ url: rx.url, events: ['lead.assigned', 'lead.contacted'] });
      expect(hook.status).toBe(200);
      expect(hook.body.secret).toMatch(/^whsec_/);
      expect((await api.http.get(`/v1/webhooks/${hook.body.id}`).set(org.auth)).body.secret).toBeUndefined();

      const lead = await api.http.post('/v1/leads').set(org.auth).send({ email: 'hook@acme.io' });
      expect(lead.body.status).toBe('ASSIGNED');
      const deliveries = await waitFor(async () => {
        const d = await api.http.get(`/v1/webhooks/${hook.body.id}/deliveries`).set(org.auth);
        return d.body[0]?.status === 'DELIVERED' ? d.body : null;
      }, { timeoutMs: 20_000, what: 'the delivery to succeed on the third attempt' });
      expect(deliveries).toHaveLength(1);
      expect(deliveries[0]).toMatchObject({ event_type: 'lead.assigned', attempts: 3, last_status_code: 200, last_error: null });
      expect(rx.received).toHaveLength(3);
      for (const r of rx.received) {
        expect(r.headers['routeswit-event']).toBe('lead.assigned');
        expect(verify(hook.body.secret, r.body, r.headers['routeswit-signature'] as string, Math.floor(Date.now() / 1000))).toBe(true);
        expect(verify('whsec_wrong', r.body, r.headers['routeswit-signature'] as string, Math.floor(Date.now() / 1000))).toBe(false);
        expect(verify(hook.body.secret, r.body.replace('lead.assigned', 'lead.contacted'), r.headers['routeswit-signature'] as string, Math.floor(Date.now() / 1000))).toBe(false);
      }
      const payload = JSON.parse(rx.received[2]!.body);
      expect(payload).toMatchObject({ type: 'lead.assigned', data: { lead_id: lead.body.id, rep_id: lead.body.assigned_rep_id } });
      expect(payload.id).toMatch(/^evt_/);
    } finally {
      await rx.close();
    }
  });

  it('delivers to an HTTPS receiver whose certificate a private CA signed, trusted through OUTBOUND_CA_FILE', async () => {
    const { org } = await orgWithTeam();
    const rx = await slackReceiver();
    try {
      const hook = await api.http.post('/v1/webhooks').set(org.auth).send({ url: rx.url(`/hooks/${org.orgId}`), events: ['lead.assigned'] });
      const lead = await api.http.post('/v1/leads').set(org.auth).send({ email: 'tls@acme.io' });
      const deliveries = await waitFor(async () => {
        const d = await api.http.get(`/v1/webhooks/${hook.body.id}/deliveries`).set(org.auth);
        return d.body[0]?.attempts ? d.body : null;
      }, { timeoutMs: 20_000, what: 'a delivery attempt' });
      expect(deliveries[0]).toMatchObject({ status: 'DELIVERED', last_status_code: 200, last_error: null });
      expect(rx.posts.filter((p) => p.path === `/hooks/${org.orgId}`).map((p) => (p.body as unknown as { data: { lead_id: string } }).data.lead_id)).toEqual([lead.body.id]);
    } finally {
      await rx.close();
    }
  });

  it('sends only subscribed events, and a slow receiver never holds up routing', async () => {
    const { org } = await orgWithTeam();
    const rx = await receiver([], 4000);
    try {
      await api.http.post('/v1/webhooks').set(org.auth).send({ url: rx.url, events: ['lead.contacted'] });
      const t0 = Date.now();
      const lead = await api.http.post('/v1/leads').set(org.auth).send({ email: 'slowhook@acme.io' });
      expect(lead.body.status).toBe('ASSIGNED');
      const call = await api.http.post(`/v1/contacts/${lead.body.contact_id}/activities`).set(org.auth).send({ type: 'CALL', rep_id: lead.body.assigned_rep_id });
      expect(call.body.first_touch).toBe(true);
      expect(Date.now() - t0).toBeLessThan(3000);
      await waitFor(async () => rx.received.length >= 1 || null, { what: 'the contacted event' });
      expect(rx.received.map((r) => JSON.parse(r.body).type)).toEqual(['lead.contacted']);
    } finally {
      await rx.close();
    }
  });

  it('re-drives a delivery whose workflow was lost, so none stays PENDING for ever', async () => {
    const { org } = await orgWithTeam();
    // Failing for longer than the test runs, so the workflow is still retrying when it is terminated.
    const rx = await receiver(Array(50).fill(500));
    try {
      const hook = await api.http.post('/v1/webhooks').set(org.auth).send({ url: rx.url, events: ['lead.assigned'] });
      await api.http.post('/v1/leads').set(org.auth).send({ email: 'lost@acme.io' });
      await waitFor(async () => rx.received.length >= 1 || null, { what: 'the first attempt' });
      const [delivery] = (await api.http.get(`/v1/webhooks/${hook.body.id}/deliveries`).set(org.auth)).body;
      // An operator terminates the workflow mid-retry (or it failed): the row would stay PENDING for ever.
      await api.deps.temporal.client.workflow.getHandle(`webhook-${delivery.id}`).terminate('lost for the test');
      await api.deps.db('webhook_deliveries').where({ id: delivery.id }).update({ dispatched_at: new Date(Date.now() - (REDRIVE_AFTER_SECONDS + 60) * 1000) });
      rx.received.length = 0;
      rx.statuses.length = 0;
      const after = await waitFor(async () => {
        const d = (await api.http.get(`/v1/webhooks/${hook.body.id}/deliveries`).set(org.auth)).body[0];
        return d.status === 'DELIVERED' ? d : null;
      }, { timeoutMs: 60_000, what: 'the re-driven delivery to succeed' });
      expect(after).toMatchObject({ id: delivery.id, last_status_code: 200 });
      expect(rx.received.length).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(rx.received.at(-1)!.body).data.lead_id).toBeDefined();
    } finally {
      await rx.close();
    }
  });

  it('stops delivering once deleted, keeps the history, and validates its input', async () => {
    const { org } = await orgWithTeam();
    const hook = await api.http.post('/v1/webhooks').set(org.auth).send({ url: 'http://127.0.0.1:9/nowhere', events: ['lead.assigned'] });
    expect((await api.http.delete(`/v1/webhooks/${hook.body.id}`).set(org.auth)).body.active).toBe(false);
    await api.http.post('/v1/leads').set(org.auth).send({ email: 'nohook@acme.io' });
    expect((await api.http.get(`/v1/webhooks/${hook.body.id}/deliveries`).set(org.auth)).body).toEqual([]);

    for (const [body, path] of [
      [{ url: 'ftp://x.io', events: ['lead.assigned'] }, 'url'],
      [{ url: 'not a url', events: ['lead.assigned'] }, 'url'],
      [{ url: 'https://x.io', events: ['lead.exploded'] }, 'events[0]'],
      [{ url: 'https://x.io', events: [] }, 'events'],
    ] as const) {
      const res = await api.http.post('/v1/webhooks').set(org.auth).send(body);
      expect(res.status).toBe(422);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    const other = await newOrg(api.deps.db);
    expect((await api.http.get(`/v1/webhooks/${hook.body.id}`).set(other.auth)).status).toBe(404);
  });
});
