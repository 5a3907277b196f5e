import dns from 'node:dns';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { webhookActivities } from '../../src/activities/webhooks';
import { newId } from '../../src/ids';
import { sendMail } from '../../src/net/mail';
import { outboundPolicy, REFUSED, sendGuarded } from '../../src/net/outbound';
import { newOrg, startApi, type TestApi, type TestOrg } from '../helpers/stack';

/**
 * Finding 4: webhooks must not reach loopback, link-local, private, multicast or unspecified addresses
 * (unless the operator allows a range), checked on the address actually connected to, and the delivery log
 * must not echo internal error text.
 */
let api: TestApi;
let org: TestOrg;
let hits = 0;
let receiver: http.Server;
let port: number;

beforeAll(async () => {
  api = startApi({ OUTBOUND_TARGETS: 'public' });
  org = await newOrg(api.deps.db);
  receiver = http.createServer((_req, res) => {
    hits++;
    res.end('ok');
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  port = (receiver.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => receiver.close(r));
  await api.close();
});

describe('creating a webhook', () => {
  it.each([
    'http://127.0.0.1:{port}/hook',
    'http://localhost:{port}/hook',
    'http://app.localhost/hook',
    'http://0.0.0.0/',
    'http://169.254.169.254/latest/meta-data',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://10.1.2.3/',
    'http://172.16.0.1/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://224.0.0.1/',
    'http://[fe80::1]/',
    'http://[fc00::1]/',
    // Round 2, finding 13: an IPv4-compatible IPv6 address, a NAT64 one, and the fully qualified localhost.
    'http://[::127.0.0.1]/',
    'http://[64:ff9b::10.0.0.1]/',
    'http://localhost./',
    'http://app.LOCALHOST../',
  ])('refuses %s with 422 at url', async (template) => {
    const res = await api.http.post('/v1/webhooks').set(org.auth).send({ url: template.replace('{port}', String(port)), events: ['lead.assigned'] });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0]).toMatchObject({ path: 'url', message: expect.stringMatching(/not allowed/) });
  });

  it('accepts a public address', async () => {
    const res = await api.http.post('/v1/webhooks').set(org.auth).send({ url: 'https://93.184.215.14/hook', events: ['lead.assigned'] });
    expect(res.status).toBe(200);
  });

  it('refuses the same on update', async () => {
    const created = await api.http.post('/v1/webhooks').set(org.auth).send({ url: 'https://hooks.example.com/a', events: ['lead.assigned'] });
    const res = await api.http.patch(`/v1/webhooks/${created.body.id}`).set(org.auth).send({ url: `http://127.0.0.1:${port}/` });
    expect(res.status).toBe(422);
  });
});

describe('delivering', () => {
  async function delivery(url: string): Promise<string> {
    const hook = newId('webhook');
    await api.deps.db('webhooks').insert({ id: hook, org_id: org.orgId, url, events: ['lead.assigned'], secret: 'whsec_test' });
    const id = newId('delivery');
    await api.deps.db('webhook_deliveries').insert({ id, org_id: org.orgId, webhook_id: hook, event_id: newId('event'), event_type: 'lead.assigned', payload: JSON.stringify({ a: 1 }), status: 'PENDING' });
    return id;
  }
  const attempt = async (policy: string, url: string) => {
    const id = await delivery(url);
    const acts = webhookActivities(api.deps.db, { outboundTargets: policy });
    await acts.deliverWebhook({ deliveryId: id }).catch(() => undefined);
    return api.deps.db('webhook_deliveries').where({ id }).first();
  };

  it('checks the address a hostname resolves to at delivery time (DNS can change after creation)', async () => {
    hits = 0;
    const row = await attempt('public', `http://localhost:${port}/hook`);
    expect(hits).toBe(0);
    expect(row.status).toBe('PENDING');
    expect(row.last_error).toBe('destination address not allowed (loopback, private, link-local or similar)');
  });

  it('delivers to a range the operator allows', async () => {
    hits = 0;
    const row = await attempt('public,127.0.0.0/8', `http://localhost:${port}/hook`);
    expect(hits).toBe(1);
    expect(row.status).toBe('DELIVERED');
  });

  it('records a connection failure without the internal error text', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const row = await attempt('127.0.0.0/8', `http://127.0.0.1:${closedPort}/hook`);
    expect(row.last_error).toBe('connection refused');
    expect(row.last_error).not.toContain(String(closedPort));
  });
});

describe('a loopback-only policy (test and conformance stacks)', () => {
  it('refuses a name before any DNS query, so no generated URL reaches a resolver, and still allows localhost', async () => {
    const loopback = outboundPolicy('127.0.0.0/8,::1/128');
    const lookup = jest.spyOn(dns, 'lookup');
    try {
      await expect(sendGuarded('http://generated.example.com/hook', '{}', loopback, { timeoutMs: 1000 })).rejects.toThrow(REFUSED);
      await expect(sendMail({ url: 'smtp://mail.example.com:587', guarded: true }, loopback, { from: 'a@b.io', to: 'c@d.io', subject: 's', text: 't', html: 'h' })).rejects.toThrow(REFUSED);
      expect(lookup).not.toHaveBeenCalled();
      const local = await sendGuarded(`http://localhost:${port}/hook`, '{}', loopback, { timeoutMs: 2000 });
      expect(local.status).toBe(200);
    } finally {
      lookup.mockRestore();
    }
    expect(outboundPolicy('public').refusesName('generated.example.com')).toBe(false);
    expect(outboundPolicy('127.0.0.0/8,10.0.0.0/8').refusesName('receiver.internal')).toBe(false);
  });
});
