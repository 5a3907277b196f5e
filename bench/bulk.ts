import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDb } from '../src/db/knex';
import { loadConfig } from '../src/config';
import { createTemporal } from '../src/temporal/client';
import { startBenchStack } from './lib/benchStack';
import { measureCeiling } from './lib/ceilingRate';
import { createOrgWithTeams, lead } from './lib/scenario';
import { summarize, table } from './lib/stats';

/**
 * `npm run bench:bulk`: leads in bulk through POST /v1/leads/batch (500 per request, --concurrency requests at
 * once) on a stack of its own, with the 30-rule ruleset and 20 reps of the load benchmark. Reports how fast
 * the batches are answered (leads accepted per second) and how fast the leads are then routed (until every
 * one is ASSIGNED), and how long one batch request takes. Before the import, the ceiling of `npm run bench`
 * (bare workflows with a no-op activity, as fast as 32 at a time allow) on the same stack. Goal (issue 32):
 * imported and routed at ≥ 0.8 of the ceiling's rate. Results: a table, bench/results/bulk-<time>.json and
 * bench/results/bulk-latest.json.
 */
const { values: args } = parseArgs({ options: { leads: { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '2' } } });
const LEADS = Number(args.leads);
const CONCURRENCY = Number(args.concurrency);
const BATCH = 500;
const GOAL_RATIO = 0.8;
const RUN = Date.now().toString(36);
const log = (m: string) => process.stdout.write(`${m}\n`);

async function main(): Promise<void> {
  const stack = await startBenchStack('bulk', log);
  try {
    const temporal = createTemporal(loadConfig({ ...stack.env, ENCRYPTION_KEYS: stack.encryptionKeys }));
    const ceiling = await measureCeiling(temporal, stack.temporalAddress, stack.encryptionKeys).finally(() => temporal.close());
    const org = await createOrgWithTeams(stack.env.DATABASE_URL!, stack.baseUrl, `bulk-${RUN}`, { first_touch_minutes: 60 });

    const batches = Array.from({ length: Math.ceil(LEADS / BATCH) }, (_, b) => Array.from({ length: Math.min(BATCH, LEADS - b * BATCH) }, (_, i) => lead(b * BATCH + i, `bulk${RUN}`)));
    const requestMs: number[] = [];
    let rejected = 0;
    const t0 = performance.now();
    let next = 0;
    const lane = async () => {
      for (let b = next++; b < batches.length; b = next++) {
        const started = performance.now();
        const res = await fetch(`${stack.baseUrl}/v1/leads/batch`, {
          method: 'POST',
          headers: { authorization: `Bearer ${org.key}`, 'content-type': 'application/json', 'idempotency-key': `bulk-${RUN}-${b}` },
          body: JSON.stringify({ leads: batches[b] }),
        });
        const body = (await res.json()) as { rejected: number };
        if (res.status !== 200) throw new Error(`batch ${b}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
        rejected += body.rejected;
        requestMs.push(performance.now() - started);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    const acceptedS = (performance.now() - t0) / 1000;
    log(`${LEADS - rejected} leads accepted in ${acceptedS.toFixed(1)} s; waiting for routing…`);

    const db = createDb(stack.env.DATABASE_URL!, 2);
    let routedS = Infinity;
    try {
      for (const deadline = Date.now() + 10 * 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
        const row = await db('leads').where({ org_id: org.orgId }).whereNotNull('assigned_at').count<{ n: string }[]>('* as n').first();
        if (Number(row?.n ?? 0) >= LEADS - rejected) {
          routedS = (performance.now() - t0) / 1000;
          break;
        }
      }
    } finally {
      await db.destroy();
    }
    const request = summarize(requestMs);
    const result = {
      run: RUN,
      at: new Date().toISOString(),
      leads: LEADS,
      batch_size: BATCH,
      concurrency: CONCURRENCY,
      rejected,
      accepted_seconds: Number(acceptedS.toFixed(2)),
      accepted_per_second: Math.round((LEADS - rejected) / acceptedS),
      routed_seconds: Number(routedS.toFixed(2)),
      routed_per_second: Math.round((LEADS - rejected) / routedS),
      batch_request_ms: request,
      ceiling_per_s: Math.round(ceiling * 10) / 10,
      ratio: Math.round(((LEADS - rejected) / routedS / ceiling) * 1000) / 1000,
      goal: { ratio_at_least: GOAL_RATIO, met: (LEADS - rejected) / routedS >= GOAL_RATIO * ceiling },
    };
    log(
      table([
        ['figure', 'value'],
        ['leads (batches of 500)', `${LEADS} (${CONCURRENCY} requests at once)`],
        ['accepted', `${result.accepted_seconds} s, ${result.accepted_per_second} leads/s`],
        ['imported and routed', `${result.routed_seconds} s, ${result.routed_per_second} leads/s`],
        ['ceiling (bare workflows)', `${result.ceiling_per_s} /s`],
        ['routed / ceiling', `${result.ratio} (goal ≥ ${GOAL_RATIO}: ${result.goal.met ? 'MET' : 'NOT MET'})`],
        ['one batch request p50 / p99', `${request.p50.toFixed(0)} / ${request.p99.toFixed(0)} ms`],
      ]),
    );
    const dir = path.resolve(__dirname, 'results');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `bulk-${RUN}.json`), `${JSON.stringify(result, null, 2)}\n`);
    fs.writeFileSync(path.join(dir, 'bulk-latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`bulk benchmark failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
