import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { importLeads } from '../src/cli/importLeads';
import { createDb, type Db } from '../src/db/knex';
import { startBenchStack } from './lib/benchStack';
import { api, createOrgWithTeams, lead, type Org } from './lib/scenario';
import { summarize, table, type Summary } from './lib/stats';

/**
 * `npm run bench:neighbours`: does one organization's bulk work delay another's single leads? Organization A
 * imports --leads leads (10,000) from a CSV with the real importer (`routeswit import`, batches of 500) while
 * organization B sends one lead a second; B's lead → assigned (assigned_at − received_at) is measured alone
 * first, then while A's import is taken in and routed. Goal: B's p99 under A's import ≤ 2× B's p99 alone.
 * B alone sends 100 leads (--alone): with 30, the p99 was the slowest of them, which made the ratio look better.
 * Results: a table, bench/results/neighbours-<time>.json and neighbours-latest.json.
 */
const { values: args } = parseArgs({ options: { leads: { type: 'string', default: '10000' }, alone: { type: 'string', default: '100' } } });
const LEADS = Number(args.leads);
const ALONE = Number(args.alone);
const GOAL_RATIO = 2;
const RUN = Date.now().toString(36);
const log = (m: string) => process.stdout.write(`${m}\n`);

/** B's leads, one a second, until `until` says stop; their ids. */
async function oneASecond(baseUrl: string, b: Org, label: string, until: () => boolean): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; !until(); i++) {
    const next = Date.now() + 1000;
    const created = await api(baseUrl, b.key, 'POST', '/v1/leads?wait_ms=0', { email: `b${i}.${label}.${RUN}@neighbour-b.example`, country: 'DE', source: 'website' });
    ids.push(created.id);
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  return ids;
}

/**
 * Where B's time went under the import, from each lead's Temporal history: from its workflow's start to the
 * worker picking up its first task (queued on the server), and from there to its assignment (in the worker).
 */
async function breakdown(db: Db, address: string, ids: string[]): Promise<{ queued_ms: Summary; in_worker_ms: Summary }> {
  const connection = await Connection.connect({ address });
  const queued: number[] = [];
  const inWorker: number[] = [];
  try {
    const assigned = new Map((await db('leads').whereIn('id', ids).select('id', 'assigned_at')).map((r) => [r.id as string, (r.assigned_at as Date).getTime()]));
    for (const id of ids) {
      const { history } = await connection.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId: `lead-${id}` } });
      const events = history?.events ?? [];
      const at = (type: string) => {
        const e = events.find((x) => x.eventType === temporal.api.enums.v1.EventType[type as keyof typeof temporal.api.enums.v1.EventType]);
        return e?.eventTime ? Number(e.eventTime.seconds) * 1000 + Math.floor((e.eventTime.nanos ?? 0) / 1e6) : NaN;
      };
      const started = at('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
      const picked = at('EVENT_TYPE_WORKFLOW_TASK_STARTED');
      queued.push(picked - started);
      inWorker.push(assigned.get(id)! - picked);
    }
  } finally {
    await connection.close();
  }
  return { queued_ms: summarize(queued), in_worker_ms: summarize(inWorker) };
}

/** Milliseconds from received to assigned, once every lead has its rep. */
async function assignedMs(db: Db, ids: string[]): Promise<number[]> {
  for (const deadline = Date.now() + 15 * 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
    const rows = await db('leads').whereIn('id', ids).select('received_at', 'assigned_at');
    if (rows.every((r) => r.assigned_at)) return rows.map((r) => r.assigned_at.getTime() - r.received_at.getTime());
  }
  throw new Error('some leads were never assigned');
}

async function main(): Promise<void> {
  const stack = await startBenchStack('neighbours', log);
  const db = createDb(stack.env.DATABASE_URL!, 2);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'routeswit-neighbours-'));
  try {
    const sla = { first_touch_minutes: 60 };
    const a = await createOrgWithTeams(stack.env.DATABASE_URL!, stack.baseUrl, `neighbour-a-${RUN}`, sla);
    const b = await createOrgWithTeams(stack.env.DATABASE_URL!, stack.baseUrl, `neighbour-b-${RUN}`, sla);

    log(`B alone: ${ALONE} leads, one a second…`);
    let sent = 0;
    const aloneIds = await oneASecond(stack.baseUrl, b, 'alone', () => sent++ >= ALONE);
    const alone = summarize(await assignedMs(db, aloneIds));

    const file = path.join(dir, 'a.csv');
    const rows = Array.from({ length: LEADS }, (_, i) => lead(i, `a${RUN}`));
    fs.writeFileSync(file, `email,first_name,last_name,company,country,source,industry,employees,score,external_id,attributes.segment\n${rows.map((l) => [l.email, l.first_name, l.last_name, l.company, l.country, l.source, l.industry, l.employees, l.score, l.external_id, l.attributes.segment].join(',')).join('\n')}\n`);
    log(`A imports ${LEADS} leads while B sends one a second…`);
    const started = performance.now();
    let aRouted = false;
    const aDone = (async () => {
      const report = await importLeads({ file, baseUrl: stack.baseUrl, apiKey: a.key });
      const acceptedS = (performance.now() - started) / 1000;
      for (;;) {
        const row = await db('leads').where({ org_id: a.orgId }).whereNotNull('assigned_at').count<{ n: string }[]>('* as n').first();
        if (Number(row?.n ?? 0) >= report.imported) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      aRouted = true;
      return { acceptedS, routedS: (performance.now() - started) / 1000, imported: report.imported };
    })();
    const underIds = await oneASecond(stack.baseUrl, b, 'under', () => aRouted);
    const aFigures = await aDone;
    const under = summarize(await assignedMs(db, underIds));
    const where = await breakdown(db, stack.temporalAddress, underIds);

    const ratio = under.p99 / alone.p99;
    const result = {
      run: RUN,
      at: new Date().toISOString(),
      a: { leads: LEADS, imported: aFigures.imported, accepted_seconds: round(aFigures.acceptedS), routed_seconds: round(aFigures.routedS) },
      b_alone_ms: alone,
      b_under_import_ms: under,
      b_under_import_where: where,
      p99_ratio: round(ratio),
      goal: { p99_ratio_at_most: GOAL_RATIO, met: ratio <= GOAL_RATIO },
    };
    const fmt = (s: Summary) => `${s.p50} / ${s.p99} ms (${s.count} leads)`;
    log(
      table([
        ['figure', 'value'],
        ['A: imported, routed', `${aFigures.imported} leads, accepted in ${result.a.accepted_seconds} s, routed in ${result.a.routed_seconds} s`],
        ['B alone: lead → assigned p50 / p99', fmt(alone)],
        ['B under A\'s import: p50 / p99', fmt(under)],
        ['  of which queued on the server / in the worker, p99', `${where.queued_ms.p99} / ${where.in_worker_ms.p99} ms`],
        ['B p99 under import / alone', `${result.p99_ratio} (goal ≤ ${GOAL_RATIO}: ${result.goal.met ? 'MET' : 'NOT MET'})`],
      ]),
    );
    const out = path.resolve(__dirname, 'results');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, `neighbours-${RUN}.json`), `${JSON.stringify(result, null, 2)}\n`);
    fs.writeFileSync(path.join(out, 'neighbours-latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await db.destroy();
    await stack.stop();
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

main().catch((err) => {
  process.stderr.write(`neighbours benchmark failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
