import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { createDb, type Db } from '../src/db/knex';
import { dataDir } from '../src/dev/tools';
import { newId } from '../src/ids';
import { createTemporal } from '../src/temporal/client';
import { startBenchStack } from './lib/benchStack';
import { measureCeiling } from './lib/ceilingRate';
import { cpuMeter, processes } from './lib/cost';
import { drive } from './lib/driver';
import { api, createOrgWithTeams, lead } from './lib/scenario';
import { summarize, table } from './lib/stats';

/**
 * `npm run bench:fanout [-- --workers 2]`: what announcing a lead costs, and how fast the outbox drains.
 *
 * 1. the ceiling (bare workflows, as in `npm run bench`), and half its rate for what follows;
 * 2. leads at that rate with nothing to announce → CPU per lead of every process;
 * 3. leads at that rate whose organization has a webhook subscription (lead.assigned) and tells the rep on
 *    Slack when a lead is assigned, both to a loopback HTTPS receiver → CPU per lead again (the difference is
 *    what fan-out costs), and, sampled every 100 ms, the age of the oldest delivery or notification not yet
 *    received: goal (issue 32) ≤ 1 s at p99;
 * 4. --backlog deliveries written straight to the outbox at once (as a burst of events would) → how many a
 *    second the workers hand on to workflows, and how many a second are then delivered.
 *
 * Results: a table, bench/results/fanout-<time>.json and bench/results/fanout-latest.json.
 */
const { values: args } = parseArgs({
  options: {
    leads: { type: 'string', default: '600' },
    rate: { type: 'string' },
    backlog: { type: 'string', default: '3000' },
    workers: { type: 'string', default: '1' },
  },
});
const LEADS = Number(args.leads);
const BACKLOG = Number(args.backlog);
const WORKERS = Number(args.workers);
const GOAL_OLDEST_P99_S = 1;
const RUN = Date.now().toString(36);
const log = (m: string) => process.stdout.write(`${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An HTTPS receiver on 127.0.0.1 for webhooks and Slack messages alike: answers 200 "ok" to every POST. */
async function receiver(dir: string): Promise<{ url: (p: string) => string; received: () => number; ca: string; close(): Promise<void> }> {
  fs.mkdirSync(dir, { recursive: true });
  const [cert, key] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  let received = 0;
  const server = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: (p) => `https://127.0.0.1:${port}${p}`, received: () => received, ca: cert, close: () => new Promise((r) => server.close(() => r())) };
}

/** Seconds since the oldest delivery or notification of `orgId` still waiting was written (0 when none). */
async function oldestWaiting(db: Db, orgId: string): Promise<number> {
  const { rows } = await db.raw<{ rows: Array<{ s: number | null }> }>(
    `SELECT EXTRACT(EPOCH FROM now() - least(
       (SELECT min(created_at) FROM webhook_deliveries WHERE org_id = ? AND status = 'PENDING'),
       (SELECT min(created_at) FROM notifications WHERE org_id = ? AND status = 'PENDING'))) AS s`,
    [orgId, orgId],
  );
  return Number(rows[0]?.s ?? 0);
}

async function waitUntil(what: string, done: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (!(await done())) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`${what}: not done after ${timeoutMs / 1000} s`);
    await sleep(100);
  }
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const rx = await receiver(path.join(dataDir(), 'bench', 'fanout-tls'));
  const stack = await startBenchStack('fanout', log, { workers: WORKERS, env: { OUTBOUND_TARGETS: '127.0.0.1/32', OUTBOUND_CA_FILE: rx.ca } });
  const db = createDb(stack.env.DATABASE_URL!, 4);
  const temporal = createTemporal(loadConfig({ ...stack.env, ENCRYPTION_KEYS: stack.encryptionKeys }));
  try {
    const ceiling = await measureCeiling(temporal, stack.temporalAddress, stack.encryptionKeys);
    const rate = args.rate ? Number(args.rate) : Math.max(1, Math.round(ceiling / 2));
    const pids = processes({ api: stack.apis.map((c) => c.pid), worker: stack.workers.map((c) => c.pid), temporal: stack.temporal?.process.pid });
    const sla = { first_touch_minutes: 600 };

    /** Leads at `rate` for an organization; CPU per lead until all are assigned (and, for fan-out, received). */
    const phase = async (label: string, orgName: string, setUp: (org: { orgId: string; key: string }) => Promise<void>, drained: (orgId: string) => Promise<boolean>) => {
      const org = await createOrgWithTeams(stack.env.DATABASE_URL!, stack.baseUrl, `${orgName} ${RUN}`, sla);
      await setUp(org);
      const ages: number[] = [];
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          ages.push(await oldestWaiting(db, org.orgId));
          await sleep(100);
        }
      })();
      const cpu = cpuMeter(pids);
      await drive(label, LEADS, { concurrency: 32, ratePerSecond: rate }, async (i) => {
        const res = await fetch(`${stack.baseUrl}/v1/leads?wait_ms=0`, { method: 'POST', headers: { authorization: `Bearer ${org.key}`, 'content-type': 'application/json' }, body: JSON.stringify(lead(i, `${RUN}${orgName}`)) });
        if (res.status !== 200 && res.status !== 202) throw new Error(`HTTP ${res.status}`);
        await res.arrayBuffer();
      });
      await waitUntil(`${label}: all assigned and announced`, () => drained(org.orgId), 180_000);
      const used = cpu();
      sampling = false;
      await sampler;
      return { orgId: org.orgId, cpuMsPerLead: Object.fromEntries(Object.entries(used).map(([k, v]) => [k, Math.round((v / LEADS) * 100) / 100])), ages };
    };
    const assigned = async (orgId: string) => Number((await db('leads').where({ org_id: orgId }).whereNotNull('assigned_at').count('* as n').first())?.n) >= LEADS;

    const plain = await phase(`leads at ${rate}/s, nothing announced`, 'plain', async () => undefined, assigned);
    const before = rx.received();
    const fan = await phase(
      `leads at ${rate}/s, a webhook and a Slack message each`,
      'fanout',
      async (org) => {
        await api(stack.baseUrl, org.key, 'POST', '/v1/webhooks', { url: rx.url(`/hooks/${org.orgId}`), events: ['lead.assigned'] });
        await api(stack.baseUrl, org.key, 'PATCH', '/v1/organization', { notifications: { notify_on_assign: true, slack: { default_webhook_url: rx.url(`/slack/${org.orgId}`) } } });
      },
      async (orgId) => (await assigned(orgId)) && rx.received() - before >= LEADS && (await oldestWaiting(db, orgId)) === 0,
    );
    const lag = async (table: 'webhook_deliveries' | 'notifications', done: string) =>
      summarize(
        (await db(table).where({ org_id: fan.orgId }).whereNotNull(done).select(db.raw(`EXTRACT(EPOCH FROM (${done} - created_at)) * 1000 AS ms`))).map((r: { ms: string }) => Number(r.ms)),
      );
    const deliveryLag = await lag('webhook_deliveries', 'delivered_at');
    const notificationLag = await lag('notifications', 'sent_at');
    const oldest = summarize(fan.ages.map((s) => s * 1000));
    const sum = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    const extraCpu = Math.round((sum(fan.cpuMsPerLead) - sum(plain.cpuMsPerLead)) * 100) / 100;

    // 4. A burst: deliveries written straight to the outbox (no worker is nudged; the next poll finds them).
    const hook: { id: string } = (await db('webhooks').where({ org_id: fan.orgId }).first('id'))!;
    const burstAt = new Date();
    const rows = Array.from({ length: BACKLOG }, (_, i) => ({
      id: newId('delivery'),
      org_id: fan.orgId,
      webhook_id: hook.id,
      event_id: `burst_${RUN}_${i}`,
      event_type: 'lead.assigned',
      payload: JSON.stringify({ id: `burst_${RUN}_${i}`, type: 'lead.assigned', created_at: burstAt.toISOString(), data: {} }),
      status: 'PENDING',
    }));
    for (let i = 0; i < rows.length; i += 500) await db('webhook_deliveries').insert(rows.slice(i, i + 500));
    const burst = (column: string) => async () => Number((await db('webhook_deliveries').where({ org_id: fan.orgId }).where('event_id', 'like', `burst_${RUN}_%`).whereNull(column).count('* as n').first())?.n) === 0;
    const handedOnS = await waitUntil('burst handed on', burst('dispatched_at'), 600_000);
    const deliveredS = (await waitUntil('burst delivered', burst('delivered_at'), 1_200_000)) + handedOnS;

    const result = {
      run: RUN,
      at: new Date().toISOString(),
      workers: WORKERS,
      ceiling_per_s: Math.round(ceiling * 10) / 10,
      rate_per_s: rate,
      leads: LEADS,
      cpu_ms_per_lead_plain: plain.cpuMsPerLead,
      cpu_ms_per_lead_fanout: fan.cpuMsPerLead,
      extra_cpu_ms_per_lead: extraCpu,
      oldest_waiting_ms: oldest,
      delivery_lag_ms: deliveryLag,
      notification_lag_ms: notificationLag,
      backlog: BACKLOG,
      backlog_handed_on_per_s: Math.round(BACKLOG / handedOnS),
      backlog_delivered_per_s: Math.round(BACKLOG / deliveredS),
      goal: { oldest_waiting_p99_ms_max: GOAL_OLDEST_P99_S * 1000, met: oldest.p99 <= GOAL_OLDEST_P99_S * 1000 },
    };
    log('');
    log(
      table([
        ['figure', 'p50', 'p99', 'max'],
        ['oldest waiting delivery or notification (ms, sampled every 100 ms)', oldest.p50, oldest.p99, oldest.max],
        ['webhook: written → received (ms)', deliveryLag.p50, deliveryLag.p99, deliveryLag.max],
        ['Slack notification: written → sent (ms)', notificationLag.p50, notificationLag.p99, notificationLag.max],
      ]),
    );
    log('');
    log(
      table([
        ['figure', 'value'],
        ['workers', WORKERS],
        ['ceiling / rate (per s)', `${result.ceiling_per_s} / ${rate}`],
        ['CPU ms per lead, nothing announced', sum(plain.cpuMsPerLead).toFixed(2)],
        ['CPU ms per lead, a webhook and a Slack message', sum(fan.cpuMsPerLead).toFixed(2)],
        ['extra CPU ms per lead for fan-out', extraCpu],
        [`burst of ${BACKLOG}: handed on per s`, result.backlog_handed_on_per_s],
        [`burst of ${BACKLOG}: delivered per s`, result.backlog_delivered_per_s],
      ]),
    );
    log(`goal (issue 32; oldest waiting item ≤ ${GOAL_OLDEST_P99_S} s at p99): ${result.goal.met ? 'MET' : 'NOT MET'}`);
    const dir = path.resolve(__dirname, 'results');
    fs.mkdirSync(dir, { recursive: true });
    for (const f of [`fanout-${RUN}.json`, 'fanout-latest.json']) fs.writeFileSync(path.join(dir, f), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await db.destroy();
    await temporal.close();
    await stack.stop();
    await rx.close();
  }
}

main().catch((err) => {
  process.stderr.write(`fan-out benchmark failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
