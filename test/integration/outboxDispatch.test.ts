import { createDb, type Db } from '../../src/db/knex';
import { claimLeadsStuckRouting, insertReceivedLead, leadsStuckRouting, releaseLeadClaims } from '../../src/db/leads';
import { claimUndispatched } from '../../src/db/outbox';
import { insertWebhook, queueDeliveries } from '../../src/db/webhooks';
import { newId } from '../../src/ids';
import { createTemporal, type Temporal } from '../../src/temporal/client';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { notificationSettings } from '../../src/activities/notifications';
import { dispatchOnce, outboxDispatch, startDispatcher } from '../../src/worker/dispatcher';
import { firstAttempts } from '../../src/worker/firstAttempts';
import { createLogger } from '../../src/logger';
import { ownDatabase } from '../helpers/database';
import { newOrg, testConfig } from '../helpers/stack';

/**
 * Issue 32: the outbox and the sweeper scale with the workers. Each worker claims its own share of the rows
 * (no global lock with one worker doing everything), starts their workflows several at once, and hands on a
 * routing's deliveries as soon as it commits instead of at the next poll.
 *
 * On a database of its own: a dispatcher here claims every undispatched row, and on the shared test database
 * it would take other suites' deliveries.
 */
const QUEUE = `outbox-dispatch-${process.pid}`;
let own: Awaited<ReturnType<typeof ownDatabase>>;
let workerA: Db;
let workerB: Db;
let temporal: Temporal;
const logger = createLogger('silent', 'test-outbox');

beforeAll(async () => {
  own = await ownDatabase('outbox');
  workerA = createDb(own.url, 4);
  workerB = createDb(own.url, 4);
  temporal = createTemporal(testConfig({ TEMPORAL_TASK_QUEUE: QUEUE }));
});
afterAll(async () => {
  await workerA.destroy();
  await workerB.destroy();
  await temporal.close();
  await own.drop();
});

/** `n` deliveries waiting for their workflows, each announcing its own event. */
async function queued(db: Db, n: number, url = 'http://127.0.0.1:9/hook'): Promise<string[]> {
  const org = await newOrg(db);
  const hook = await insertWebhook(db, { id: newId('webhook'), org_id: org.orgId, url, description: null, events: ['lead.assigned'], secret: 'whsec_test' });
  const events = Array.from({ length: n }, (_, i) => ({ eventId: `evt_${org.orgId}_${i}`, data: { i }, at: new Date() }));
  await queueDeliveries(db, org.orgId, 'lead.assigned', [hook.id], events);
  const rows: Array<{ id: string }> = await db('webhook_deliveries').where({ org_id: org.orgId }).select('id');
  return rows.map((r) => r.id);
}

const workflowOf = async (id: string) => (await temporal.client.workflow.getHandle(`webhook-${id}`).describe()).type;

describe('the outbox with two workers', () => {
  it('splits the rows between their dispatchers: no row claimed twice, none left out', async () => {
    const ids = await queued(workerA, 300);
    const [a, b] = await Promise.all([claimUndispatched(workerA, 'webhook_deliveries', 200, 60), claimUndispatched(workerB, 'webhook_deliveries', 200, 60)]);
    expect(a.length + b.length).toBe(300);
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect(new Set([...a, ...b].map((r) => r.id))).toEqual(new Set(ids));
    // Claimed rows are nobody else's until their claim runs out.
    expect(await claimUndispatched(workerB, 'webhook_deliveries', 200, 60)).toEqual([]);
    await workerA('webhook_deliveries').whereIn('id', ids).update({ dispatch_claimed_until: workerA.raw("now() - interval '1 second'") });
    expect(await claimUndispatched(workerB, 'webhook_deliveries', 500, 60)).toHaveLength(300);
    await workerA('webhook_deliveries').whereIn('id', ids).update({ status: 'FAILED' });
  });

  it('hands every row on once, both dispatchers at work, each row with its workflow started', async () => {
    const ids = await queued(workerA, 250);
    const deps = (db: Db) => ({ db, temporal, logger });
    // Both at once, each going on while its batch was full.
    await Promise.all([workerA, workerB].map(async (db) => {
      while (await dispatchOnce(deps(db)));
    }));
    const left = await workerA('webhook_deliveries').whereIn('id', ids).whereNull('dispatched_at').count('* as n').first();
    expect(Number(left?.n)).toBe(0);
    for (const id of [ids[0]!, ids[124]!, ids[249]!]) expect(await workflowOf(id)).toBe('webhookDeliveryWorkflow');
  });

  it('hands a committed delivery on at once, long before the next poll', async () => {
    const job = startDispatcher({ db: workerA, temporal, logger, intervalMs: 600_000 });
    try {
      const org = await newOrg(workerA);
      const hook = await insertWebhook(workerA, { id: newId('webhook'), org_id: org.orgId, url: 'http://127.0.0.1:9/hook', description: null, events: ['lead.assigned'], secret: 'whsec_test' });
      await workerA.transaction((trx) => queueDeliveries(trx, org.orgId, 'lead.assigned', [hook.id], [{ eventId: `evt_${org.orgId}`, data: {}, at: new Date() }]));
      const deadline = Date.now() + 5000;
      let row: { id: string; dispatched_at: Date | null } | undefined;
      do {
        await new Promise((r) => setTimeout(r, 50));
        row = await workerA('webhook_deliveries').where({ org_id: org.orgId }).first('id', 'dispatched_at');
      } while (!row?.dispatched_at && Date.now() < deadline);
      expect(row?.dispatched_at).toBeTruthy();
      expect(await workflowOf(row!.id)).toBe('webhookDeliveryWorkflow');
    } finally {
      await job.stop();
    }
  });
});

/** A receiver on 127.0.0.1: /ok answers 200, /refuse 500, /slow 200 once released. */
async function receiver() {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    hits.push(req.url!);
    if (req.url === '/slow') void released.then(() => res.end('ok'));
    else res.writeHead(req.url === '/ok' ? 200 : 500).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = (p: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${p}`;
  return { url, hits, release, close: () => new Promise((r) => server.close(r)) };
}

describe("the dispatcher's first attempt", () => {
  const attempts = () => firstAttempts(workerA, { outboundTargets: '127.0.0.0/8', notifications: notificationSettings(testConfig()) });
  const started = (id: string) => workflowOf(id).then(() => true, () => false);

  it('delivers what the receiver accepts without a workflow, and hands what it refuses to its workflow for retries', async () => {
    const rx = await receiver();
    try {
      const [ok] = await queued(workerA, 1, rx.url('/ok'));
      const [refused] = await queued(workerA, 1, rx.url('/refuse'));
      await dispatchOnce({ db: workerA, temporal, logger, firstAttempts: attempts() });
      expect(await workerA('webhook_deliveries').where({ id: ok }).first('status', 'attempts', 'last_status_code')).toEqual({ status: 'DELIVERED', attempts: 1, last_status_code: 200 });
      expect(await started(ok!)).toBe(false);
      expect(await workerA('webhook_deliveries').where({ id: refused }).first('status', 'attempts', 'last_error')).toEqual({ status: 'PENDING', attempts: 1, last_error: 'receiver answered 500' });
      expect(await started(refused!)).toBe(true);
      expect(await workerA('webhook_deliveries').whereIn('id', [ok!, refused!]).whereNull('dispatched_at').count('* as n').first()).toEqual({ n: 0 });
    } finally {
      await rx.close();
    }
  });

  it('keeps at most 64 attempts in flight: a slow receiver leaves the rest waiting, and their turn comes when it answers', async () => {
    const rx = await receiver();
    try {
      const ids = await queued(workerA, 100, rx.url('/slow'));
      let roomAgain = 0;
      const d = outboxDispatch({ db: workerA, temporal, logger, firstAttempts: attempts() }, () => roomAgain++);
      expect(await d.round()).toBe(true);
      expect(await d.round()).toBe(false);
      const waiting = await workerA('webhook_deliveries').whereIn('id', ids).whereNull('dispatch_claimed_until').count('* as n').first();
      expect(Number(waiting?.n)).toBe(36);
      rx.release();
      await d.settled();
      expect(roomAgain).toBe(1);
      await d.round();
      await d.settled();
      expect(await workerA('webhook_deliveries').whereIn('id', ids).where({ status: 'DELIVERED' }).count('* as n').first()).toEqual({ n: 100 });
      expect(rx.hits).toHaveLength(100);
    } finally {
      await rx.close();
    }
  });
});

describe('the sweeper with two workers', () => {
  it('splits stuck leads between them, and gives back a lead whose workflow could not be started', async () => {
    const org = await newOrg(workerA);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await insertReceivedLead(workerA, org.orgId, { email: `stuck${i}@sweep.io` }, undefined))!.id);
    await workerA('leads').whereIn('id', ids).update({ received_at: workerA.raw("now() - interval '1 minute'") });

    const [a, b] = await Promise.all([claimLeadsStuckRouting(workerA, 10, 600, 25), claimLeadsStuckRouting(workerB, 10, 600, 25)]);
    expect(new Set([...a, ...b].map((l) => l.id))).toEqual(new Set(ids));
    expect(a.length + b.length).toBe(40);
    // Claimed: the next sweep finds none of them…
    expect(await leadsStuckRouting(workerA, 10, 600, 100)).toEqual([]);
    // …until a start failed and the claim is given back.
    await releaseLeadClaims(workerA, a.slice(0, 3));
    expect((await leadsStuckRouting(workerA, 10, 600, 100)).map((l) => l.id).sort()).toEqual(a.slice(0, 3).map((l) => l.id).sort());
  });
});
