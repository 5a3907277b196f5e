import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createDb, type Db } from '../src/db/knex';
import { Stack } from '../src/dev/stack';
import { dataDir } from '../src/dev/tools';
import { WORKFLOWS_PATH } from '../src/worker/worker';
import { acceptedLeadsSettled, countersMatch, deadlinesHandled, oneOpenAssignment, type Verdict } from './lib/invariants';
import { createOrgWithTeams, lead, type Org } from './lib/scenario';

/**
 * `npm run chaos`: faults while leads flow, then the invariants, PASS/FAIL each, exit 1 on any FAIL.
 *   worker-kill       SIGKILL the worker, start another
 *   temporal-restart  stop the Temporal dev server (state in a file) and start it again
 *   postgres          cut every database connection for a few seconds (--pg-restart: restart the cluster)
 *   api-kill          SIGKILL the API with requests in flight, start another
 * Leads are posted by a client that retries failed requests with the same external_id, as integrations do.
 */
const SCENARIOS = ['worker-kill', 'temporal-restart', 'postgres', 'api-kill'] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', multiple: true },
    rate: { type: 'string', default: '10' },
    'pg-restart': { type: 'boolean', default: false },
  },
});
const chosen = (args.scenario?.length ? args.scenario : SCENARIOS) as Scenario[];
for (const s of chosen) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}; known: ${SCENARIOS.join(', ')}`);
const RATE = Number(args.rate);
const SLA_MINUTES = 0.15; // 9 s: deadlines fall inside every outage

const log = (m: string) => process.stdout.write(`${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Posts leads at a steady rate; a failed request is retried (same body, same external_id) until it gets an answer. */
class Traffic {
  accepted: string[] = [];
  failures = 0;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private n = 0;

  constructor(
    private readonly stack: Stack,
    private readonly org: Org,
    private readonly run: string,
  ) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      const inflight = new Set<Promise<void>>();
      while (this.running) {
        const p = this.post(this.n++).finally(() => inflight.delete(p));
        inflight.add(p);
        await sleep(1000 / RATE);
      }
      await Promise.all(inflight);
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async post(i: number): Promise<void> {
    const body = JSON.stringify(lead(i, this.run));
    for (let attempt = 0; attempt < 60; attempt++) {
      try {
        const res = await fetch(`${this.stack.baseUrl}/v1/leads?wait_ms=500`, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.org.key}`, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        if (res.status === 200) {
          this.accepted.push(((await res.json()) as { id: string }).id);
          return;
        }
        await res.body?.cancel();
      } catch {
        // connection refused or reset: the API is down; retry like a real integration
      }
      this.failures++;
      await sleep(500);
    }
  }
}

async function timeUntilReady(stack: Stack, limitMs: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < limitMs * 3) {
    try {
      if ((await fetch(`${stack.baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) })).ok) return Date.now() - t0;
    } catch {
      // not yet
    }
    await sleep(200);
  }
  return Infinity;
}

async function cutDatabase(url: string, forMs: number): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const until = Date.now() + forMs;
    while (Date.now() < until) {
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      await sleep(200);
    }
  } finally {
    await client.end();
  }
}

async function restartPostgres(): Promise<void> {
  const { execFileSync } = await import('node:child_process');
  const version = fs.readdirSync('/etc/postgresql')[0]!;
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], { stdio: 'ignore' });
}

/** Waits until nothing is left ROUTING and every passed deadline is handled, or the time is up. */
async function settle(db: Db, orgId: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const routing = await db('leads').where({ org_id: orgId, status: 'ROUTING' }).count('* as n').first();
    const pending = await deadlinesHandled(db, orgId, 3000);
    if (Number(routing?.n) === 0 && pending.ok) return;
    await sleep(1000);
  }
}

async function runScenario(stack: Stack, scenario: Scenario, run: string): Promise<Verdict[]> {
  log(`\n== ${scenario}`);
  const org = await createOrgWithTeams(stack.database.url, stack.baseUrl, `chaos ${scenario} ${run}`, {
    first_touch_minutes: SLA_MINUTES,
    escalations: [{ after_minutes: 0, action: 'REMIND' }],
  });
  const traffic = new Traffic(stack, org, `${run}${scenario.slice(0, 3)}`);
  traffic.start();
  await sleep(4000);
  let recoveryMs = 0;
  const recovered = async () => {
    recoveryMs = await timeUntilReady(stack, 10_000);
  };
  switch (scenario) {
    case 'worker-kill':
      log('  SIGKILL the worker');
      await stack.kill('worker');
      await sleep(SLA_MINUTES * 60_000 + 2000);
      stack.startWorker();
      await recovered();
      break;
    case 'temporal-restart':
      log('  stop the Temporal server');
      await stack.stopTemporal();
      await sleep(SLA_MINUTES * 60_000 + 2000);
      log('  start it again on the same state file');
      await stack.startTemporal();
      await recovered();
      break;
    case 'postgres':
      if (args['pg-restart']) {
        log('  restart the Postgres cluster');
        await restartPostgres();
      } else {
        log('  cut every database connection for 5 s (pg_terminate_backend)');
        await cutDatabase(stack.database.url, 5000);
      }
      await recovered();
      break;
    case 'api-kill':
      log('  SIGKILL the API with requests in flight');
      await stack.kill('api');
      await sleep(2000);
      stack.startApi();
      await recovered();
      break;
  }
  log(`  recovered: API ready ${(recoveryMs / 1000).toFixed(1)} s after the fault was healed`);
  await sleep(4000);
  await traffic.stop();
  log(`  ${traffic.accepted.length} leads accepted, ${traffic.failures} failed attempts retried by the client`);
  const db = createDb(stack.database.url, 2);
  try {
    await settle(db, org.orgId, 90_000);
    return [
      await acceptedLeadsSettled(db, org.orgId, traffic.accepted),
      await oneOpenAssignment(db, org.orgId),
      await countersMatch(db, org.orgId),
      await deadlinesHandled(db, org.orgId, 3000),
      { name: 'the API answers again within 10 s of recovery', ok: recoveryMs <= 10_000, detail: `${(recoveryMs / 1000).toFixed(1)} s` },
    ];
  } finally {
    await db.destroy();
  }
}

async function main(): Promise<void> {
  const run = Date.now().toString(36);
  const dir = path.join(dataDir(), 'chaos');
  fs.mkdirSync(dir, { recursive: true });
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  const noop = () => undefined;
  fs.writeFileSync(bundlePath, (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop } })).code);
  const stack = new Stack({
    dataDir: dir,
    databaseName: 'routeswit_chaos',
    temporalDbFile: path.join(dir, `temporal-${run}.sqlite`),
    temporalUiPort: null,
    temporalPort: undefined,
    env: { LOG_LEVEL: 'error', REQUIRE_HTTPS: 'false', SWEEPER_INTERVAL_MS: '2000', WORKFLOW_BUNDLE_PATH: bundlePath },
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stack.stop().then(() => process.exit(130)));
  const results: Array<{ scenario: Scenario; verdicts: Verdict[] }> = [];
  try {
    log('starting the stack…');
    await stack.startInfrastructure(log);
    // The restarted Temporal server must come back on the same address.
    stack.opts.temporalPort = Number(stack.temporalAddress.split(':').pop());
    stack.startWorker();
    stack.startApi();
    await stack.waitUntilReady();
    await stack.waitForWorker();
    for (const scenario of chosen) results.push({ scenario, verdicts: await runScenario(stack, scenario, run) });
  } finally {
    await stack.stop();
    fs.rmSync(path.join(dir, `temporal-${run}.sqlite`), { force: true });
  }
  log('\n== results');
  let failed = 0;
  for (const r of results) {
    for (const v of r.verdicts) {
      if (!v.ok) failed++;
      log(`${v.ok ? 'PASS' : 'FAIL'}  ${r.scenario.padEnd(17)} ${v.name} — ${v.detail}`);
    }
  }
  log(failed ? `\n${failed} invariant(s) FAILED` : '\nall invariants hold');
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
  process.stderr.write(`chaos run failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
