import { notificationSettings } from '../../src/activities/notifications';
import '../setup/env';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { NativeConnection, bundleWorkflowCode } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { loadConfig } from '../../src/config';
import { createDb } from '../../src/db/knex';
import { ensureDatabase, migrateLatest } from '../../src/db/migrate';
import { createOrg } from '../../src/db/orgs';
import { startMailCapture } from '../../src/dev/mailCapture';
import { startDevServer } from '../../src/dev/temporalServer';
import { ensureTemporalCli } from '../../src/dev/tools';
import { createLogger } from '../../src/logger';
import { RepCreate } from '../../src/schemas/reps';
import { RulesetCreate } from '../../src/schemas/rulesets';
import { logActivity } from '../../src/services/contacts';
import type { ServiceDeps } from '../../src/services/deps';
import { closeLead, ingestLead } from '../../src/services/leads';
import { updateLead } from '../../src/services/leadUpdates';
import { createRerouteJob } from '../../src/services/rerouteJobs';
import { RerouteRequest } from '../../src/schemas/rerouteJobs';
import { createBacktest } from '../../src/services/backtests';
import { BacktestRequest } from '../../src/schemas/backtests';
import { changeRep, createRep } from '../../src/services/reps';
import { createRuleset, publishRuleset } from '../../src/services/rulesets';
import { createWebhook } from '../../src/services/webhooks';
import { createTemporal } from '../../src/temporal/client';
import { dispatchOnce } from '../../src/worker/dispatcher';
import { firstAttempts } from '../../src/worker/firstAttempts';
import { createWorker, WORKFLOWS_PATH } from '../../src/worker/worker';
import { crmInboundWorkflowId, crmOwnerSyncWorkflowId, crmWriteWorkflowId, wakeSignal } from '../../src/lead/messages';
import { crmSettings } from '../../src/activities';
import { createApp } from '../../src/api/app';
import { createRateLimits } from '../../src/api/rateLimit';
import { putHubSpot, syncCrmOwners } from '../../src/services/integrations';
import { HubSpotConnectionPut } from '../../src/schemas/integrations';
import { dispatchCrmOnce } from '../../src/worker/crmDispatcher';
import { crmLeadSink } from '../../src/worker/crmLeads';
import { startFakeHubSpot } from '../fakes/hubspot';
import { startFakeSalesforce } from '../fakes/salesforce';
import { putSalesforce } from '../../src/services/salesforce';
import { SalesforceConnectionPut } from '../../src/schemas/integrations';
import { crmPollScheduleId } from '../../src/temporal/crm';
import { workflowIdFor } from '../../src/lead/model';

/**
 * `npm run replay:record`: records the histories in test/replay/histories by running real scenarios (the real
 * worker, activities and Postgres, a real Temporal dev server) and fetching each workflow's history through
 * the SDK. Payloads are encrypted with the fixed test key of test/setup/env.ts, which the replay test uses
 * too. Re-record only when adding a scenario: the point of the corpus is to keep old shapes. With
 * `-- --only name[,name]` every scenario still runs but only the named histories are written, the others (and
 * their index entries) kept as they were recorded.
 */
const OUT = path.join(__dirname, 'histories');
/** Low enough that the continue-as-new scenario (many wake-ups) crosses it, high enough that no other does. */
const SUGGEST_CONTINUE_AS_NEW_AFTER = 120;

const log = (m: string) => process.stdout.write(`[record] ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function main(): Promise<void> {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const server = await startDevServer({
    binary: ensureTemporalCli(),
    uiPort: null,
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': SUGGEST_CONTINUE_AS_NEW_AFTER },
  });
  const dbUrl = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/routeswit_test');
  dbUrl.pathname = '/routeswit_replay_record';
  await ensureDatabase(dbUrl.toString(), { fresh: true });
  const mail = await startMailCapture();
  const hubspot = await startFakeHubSpot();
  const salesforce = await startFakeSalesforce({ pageSize: 2 });
  const config = loadConfig({ ...process.env, DATABASE_URL: dbUrl.toString(), TEMPORAL_ADDRESS: server.address, LOG_LEVEL: 'silent', TEMPORAL_TASK_QUEUE: 'routeswit-record', SMTP_URL: mail.url, HUBSPOT_API_URL: hubspot.url, SALESFORCE_LOGIN_URL: salesforce.url });
  const db = createDb(config.DATABASE_URL, 10);
  await migrateLatest(db);
  const temporal = createTemporal(config);
  const deps: ServiceDeps = { db, temporal, logger: createLogger('silent', 'record'), config };
  const noop = () => undefined;
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop } });
  const bundlePath = path.join(OUT, '..', '.record-bundle.js');
  fs.writeFileSync(bundlePath, code);
  const connection = await NativeConnection.connect({ address: server.address });
  const worker = await createWorker({ connection, db, temporal, namespace: 'default', taskQueue: config.TEMPORAL_TASK_QUEUE, outboundTargets: config.OUTBOUND_TARGETS, encryptionKeys: config.ENCRYPTION_KEYS, notifications: notificationSettings(config), crm: crmSettings(config), crmLeads: crmLeadSink(deps), workflowBundlePath: bundlePath });
  const running = worker.run();
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1]?.split(',') : undefined;
  type Entry = { file: string; workflowId: string; shows: string; events: number };
  const index: Entry[] = [];

  async function save(name: string, shows: string, workflowId: string, runId?: string): Promise<void> {
    if (only && !only.includes(name)) return;
    const history = await temporal.client.workflow.getHandle(workflowId, runId).fetchHistory();
    fs.writeFileSync(path.join(OUT, `${name}.json`), `${historyToJSON(history)}\n`);
    index.push({ file: `${name}.json`, workflowId, shows, events: history.events?.length ?? 0 });
    log(`${name}: ${history.events?.length} events`);
  }

  let n = 0;
  async function org(rules: object, reps: Array<Partial<RepCreate>>) {
    const o = await createOrg(db, `replay ${++n}`);
    const ids: string[] = [];
    for (const r of reps) ids.push((await createRep(deps, o.id, RepCreate.parse({ name: `Rep ${ids.length}`, email: `rep${n}-${ids.length}@replay.io`, ...r }))).id);
    await publishRuleset(deps, o.id, (await createRuleset(deps, o.id, RulesetCreate.parse({ name: 'rules', ...rules }))).id);
    return { orgId: o.id, reps: ids };
  }
  const lead = async (orgId: string, email: string) => {
    const l = await ingestLead(deps, orgId, { email, first_name: 'Ada', last_name: 'Lovelace', company: 'Analytical Engines', source: 'webinar' }, { waitMs: 5000 });
    return l as { id: string; contact_id: string; assigned_rep_id: string | null; status: string };
  };
  const done = (id: string) => temporal.client.workflow.getHandle(workflowIdFor(id)).result();
  const plain = { rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] };

  try {
    fs.mkdirSync(OUT, { recursive: true });

    {
      const o = await org(plain, [{ teams: ['sdr'] }]);
      const l = await lead(o.orgId, 'touched@replay.io');
      await logActivity(deps, o.orgId, l.contact_id, { type: 'CALL', rep_id: l.assigned_rep_id, outcome: 'POSITIVE' });
      await closeLead(deps, o.orgId, l.id, 'won');
      await done(l.id);
      await save('routed-touched-closed', 'routed, first touch by the assigned rep, closed', workflowIdFor(l.id));
    }

    {
      const sla = { first_touch_minutes: 0.05, escalations: [{ after_minutes: 0, action: 'REMIND' }, { after_minutes: 0.01, action: 'NOTIFY_MANAGER' }, { after_minutes: 0.02, action: 'REASSIGN' }], max_reassignments: 1 };
      const o = await org({ rules: [{ id: 'fast', then: { strategy: 'ROUND_ROBIN', team: 'sdr', sla } }] }, [{ teams: ['sdr'] }, { teams: ['sdr'] }]);
      const l = await lead(o.orgId, 'breach@replay.io');
      await until('the give-up', async () => (await db('events').where({ lead_id: l.id, type: 'ALERT' }).first()) ?? null);
      await closeLead(deps, o.orgId, l.id, 'stale');
      await done(l.id);
      await save('breach-remind-escalate-reassign-giveup', 'SLA breach, REMIND, NOTIFY_MANAGER, REASSIGN to the other rep, breach again, give up at max_reassignments, then closed', workflowIdFor(l.id));
    }

    {
      const o = await org(plain, [{ teams: ['sdr'], status: 'AWAY' }]);
      const l = await lead(o.orgId, 'waiting@replay.io');
      await changeRep(deps, o.orgId, o.reps[0]!, { status: 'AVAILABLE' });
      await until('routing after the wake-up', async () => (await db('leads').where({ id: l.id, status: 'ASSIGNED' }).first()) ?? null);
      await closeLead(deps, o.orgId, l.id, 'done');
      await done(l.id);
      await save('waiting-then-routed', 'no eligible rep (away), woken when the rep became available, routed, closed', workflowIdFor(l.id));
    }

    {
      const o = await org(plain, [{ teams: ['sdr'], status: 'OFFLINE' }]);
      const l = await lead(o.orgId, 'closedwaiting@replay.io');
      await closeLead(deps, o.orgId, l.id, 'spam');
      await done(l.id);
      await save('closed-while-waiting', 'no eligible rep, closed while waiting', workflowIdFor(l.id));
    }

    {
      const o = await org(plain, [{ teams: ['sdr'], status: 'AWAY' }]);
      const l = await lead(o.orgId, 'continued@replay.io');
      const handle = temporal.client.workflow.getHandle(workflowIdFor(l.id));
      const first = (await handle.describe()).runId;
      // Each wake-up routes again (and finds nobody): the history grows until the server suggests continuing as new.
      await until('continue-as-new', async () => {
        await handle.signal(wakeSignal);
        await sleep(50);
        return (await handle.describe()).runId !== first;
      }, 120_000);
      await changeRep(deps, o.orgId, o.reps[0]!, { status: 'AVAILABLE' });
      await until('routing in the new run', async () => (await db('leads').where({ id: l.id, status: 'ASSIGNED' }).first()) ?? null);
      await closeLead(deps, o.orgId, l.id, 'done');
      await done(l.id);
      await save('continued-as-new-first-run', 'a waiting lead woken many times: the run that continued as new', workflowIdFor(l.id), first);
      await save('continued-as-new-second-run', 'the run it continued into: resumed state, routed when the rep came back, closed', workflowIdFor(l.id));
    }

    {
      const o = await org(plain, [{ teams: ['sdr'] }]);
      const l = await lead(o.orgId, 'recovered@replay.io');
      const handle = temporal.client.workflow.getHandle(workflowIdFor(l.id));
      await handle.terminate('recording a recovered run');
      await closeLead(deps, o.orgId, l.id, 'recovered and closed');
      await done(l.id);
      await save('recovered-run', 'a new run for a lead whose earlier run was terminated: recovers its state from the database, then a close', workflowIdFor(l.id));
    }

    /** A webhook delivery refused once (500), then delivered; `first` is the dispatcher's own first attempt, if any. */
    async function refusedOnce(email: string, first?: ReturnType<typeof firstAttempts>): Promise<string> {
      let calls = 0;
      const receiver = http.createServer((_req, res) => {
        res.statusCode = calls++ === 0 ? 500 : 200;
        res.end();
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      try {
        const o = await org(plain, [{ teams: ['sdr'] }]);
        await createWebhook(deps, o.orgId, { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, events: ['lead.assigned'] });
        await lead(o.orgId, email);
        await dispatchOnce({ db, temporal, logger: deps.logger, ...(first ? { firstAttempts: first } : {}) });
        const delivery = await until('the delivery', async () => db('webhook_deliveries').where({ org_id: o.orgId, status: 'DELIVERED' }).first());
        return `webhook-${delivery.id}`;
      } finally {
        receiver.close();
      }
    }
    await save('webhook-delivered-after-retry', 'a webhook delivery refused once (500), then delivered', await refusedOnce('hooked@replay.io'));
    // The dispatcher's own first attempt is refused; the workflow waits the first backoff and delivers.
    const attempts = firstAttempts(db, { outboundTargets: config.OUTBOUND_TARGETS, encryptionKeys: config.ENCRYPTION_KEYS, notifications: notificationSettings(config) });
    await save('webhook-retried-after-first-attempt', "a webhook delivery the dispatcher's first attempt could not make (500): its workflow waits the first backoff, then delivers", await refusedOnce('first-attempt@replay.io', attempts));

    {
      // Enrichment moves an assigned lead (its rule's reroute_on_change), then a re-route job moves it again.
      const o = await org(
        {
          rules: [
            { id: 'us', when: { field: 'country', op: 'eq', value: 'US' }, then: { strategy: 'ROUND_ROBIN', team: 'us' }, reroute_on_change: ['country'] },
            { id: 'de', when: { field: 'country', op: 'eq', value: 'DE' }, then: { strategy: 'ROUND_ROBIN', team: 'de' } },
          ],
        },
        [{ teams: ['us'] }, { teams: ['de'] }, { teams: ['de'] }],
      );
      const l = (await ingestLead(deps, o.orgId, { email: 'moved@replay.io', country: 'US' }, { waitMs: 5000 })) as { id: string };
      await updateLead(deps, o.orgId, l.id, { country: 'DE' });
      const job = await createRerouteJob(deps, o.orgId, { keyId: 'key_replay' }, RerouteRequest.parse({ rule_id: 'de' }));
      await temporal.client.workflow.getHandle(`reroute-job-${job.id}`).result();
      await closeLead(deps, o.orgId, l.id, 'done');
      await done(l.id);
      await save('rerouted-on-update-and-by-job', "routed, moved by an update of a field its rule watches, moved again by a re-route job, closed", workflowIdFor(l.id));
      await save('reroute-job', 'a re-route job over one lead', `reroute-job-${job.id}`);
    }

    {
      // A backtest of a draft on the leads just routed.
      const o = await org(plain, [{ teams: ['sdr'] }, { teams: ['sdr'] }]);
      const from = new Date(Date.now() - 1000).toISOString();
      for (let i = 0; i < 3; i++) await lead(o.orgId, `backtested${i}@replay.io`);
      const draft = await createRuleset(deps, o.orgId, RulesetCreate.parse({ name: 'draft', rules: [{ id: 'none', when: { field: 'country', op: 'eq', value: 'ZZ' }, then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] }));
      const bt = await createBacktest(deps, o.orgId, draft.id, BacktestRequest.parse({ from, to: new Date(Date.now() + 1000).toISOString() }));
      await temporal.client.workflow.getHandle(`backtest-${bt.id}`).result();
      await save('backtest-completed', 'a backtest of a draft on three leads, replayed and reported', `backtest-${bt.id}`);
    }

    {
      // A notification (the assignment email, with notify_on_assign) sent by its own workflow.
      const o = await org({ rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr', notify_on_assign: true } }] }, [{ teams: ['sdr'] }]);
      await lead(o.orgId, 'notified@replay.io');
      await dispatchOnce({ db, temporal, logger: deps.logger });
      const sent = await until('the notification', async () => db('notifications').where({ org_id: o.orgId, status: 'SENT' }).first());
      await temporal.client.workflow.getHandle(`notification-${sent.id}`).result();
      await save('notification-sent', 'the assignment email to the rep (notify_on_assign), sent by its notification workflow', `notification-${sent.id}`);
    }

    {
      // HubSpot: owners mapped, a contact taken in from a signed webhook (its read meets a 429 first), its owner written.
      const o = await org(plain, [{ teams: ['sdr'] }]);
      const portal = hubspot.portal();
      await putHubSpot(deps, o.orgId, HubSpotConnectionPut.parse({ portal_id: portal.portalId, client_secret: portal.clientSecret, access_token: portal.privateToken }));
      portal.addOwner(`rep${n}-0@replay.io`);
      await syncCrmOwners(deps, o.orgId, 'hubspot');
      await save('crm-owner-sync', 'HubSpot owners read and mapped to reps by email', crmOwnerSyncWorkflowId('hubspot', o.orgId));
      const app = createApp({ ...deps, limits: createRateLimits(config) });
      const api = await new Promise<http.Server>((r) => {
        const srv = app.listen(0, '127.0.0.1', () => r(srv));
      });
      const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}/v1/integrations/hubspot/webhook`;
      const contact = portal.createContact({ email: 'hubspot@replay.io', firstname: 'Ada', company: 'Analytical Engines' });
      portal.state.forced429.push({ 'Retry-After': '1' });
      await portal.sendWebhook(url, [contact.event]);
      api.close();
      const batch = await until('the webhook batch', async () => db('crm_events').where({ org_id: o.orgId }).first());
      const l = await until('the lead', async () => {
        await dispatchCrmOnce({ db, temporal, logger: deps.logger });
        return db('leads').where({ org_id: o.orgId, status: 'ASSIGNED' }).first();
      });
      await until('the owner written', async () => {
        await dispatchCrmOnce({ db, temporal, logger: deps.logger });
        return db('events').where({ lead_id: l.id, type: 'CRM_SYNCED' }).first();
      });
      await temporal.client.workflow.getHandle(crmWriteWorkflowId('hubspot', l.id)).result();
      await save('crm-inbound-batch', 'a HubSpot webhook batch: the contact read (after a 429 with Retry-After), a lead made from it', crmInboundWorkflowId(batch.batch_id));
      await save('crm-write-synced', "the routed lead's owner written to HubSpot", crmWriteWorkflowId('hubspot', l.id));
    }

    {
      // Salesforce: users mapped (two query pages), a Lead polled and taken in, its OwnerId written.
      const o = await org(plain, [{ teams: ['sdr'] }, { teams: ['sdr'] }, { teams: ['sdr'] }]);
      const sf = salesforce.org();
      for (let i = 0; i < 3; i++) sf.addUser(`rep${n}-${i}@replay.io`);
      await putSalesforce(deps, o.orgId, SalesforceConnectionPut.parse({ organization_id: sf.organizationId, client_id: sf.clientId, client_secret: sf.clientSecret, refresh_token: sf.refreshToken, intake: 'polling', poll_seconds: 3600 }));
      await syncCrmOwners(deps, o.orgId, 'salesforce');
      await save('crm-owner-sync-salesforce', 'Salesforce users read (following nextRecordsUrl) and mapped to reps by email', crmOwnerSyncWorkflowId('salesforce', o.orgId));
      sf.createLead({ Email: 'salesforce@replay.io', FirstName: 'Grace', Company: 'Compilers' });
      await sleep(1100);
      const schedule = temporal.client.schedule.getHandle(crmPollScheduleId('salesforce', o.orgId));
      await schedule.trigger();
      const batch = await until('the polled batch', async () => db('crm_events').where({ org_id: o.orgId }).first());
      // A scheduled run's workflow id is the schedule's id for it plus the time it was started.
      const pollId = await until('the poll run', async () => (await schedule.describe()).info.recentActions.at(-1)?.action.workflow.workflowId);
      await temporal.client.workflow.getHandle(pollId).result();
      const l = await until('the lead', async () => {
        await dispatchCrmOnce({ db, temporal, logger: deps.logger });
        return db('leads').where({ org_id: o.orgId, status: 'ASSIGNED' }).first();
      });
      await until('the owner written', async () => {
        await dispatchCrmOnce({ db, temporal, logger: deps.logger });
        return db('events').where({ lead_id: l.id, type: 'CRM_SYNCED' }).first();
      });
      await temporal.client.workflow.getHandle(crmWriteWorkflowId('salesforce', l.id)).result();
      await save('crm-poll-salesforce', 'a Salesforce poll: the Leads created since the cursor stored as events, the cursor moved', pollId);
      await save('crm-inbound-batch-salesforce', 'a polled Salesforce Lead read and made a lead', crmInboundWorkflowId(batch.batch_id));
      await save('crm-write-synced-salesforce', "the routed lead's OwnerId written to Salesforce (Sforce-Auto-Assign: FALSE)", crmWriteWorkflowId('salesforce', l.id));
    }

    const kept: Entry[] = only ? (JSON.parse(fs.readFileSync(path.join(OUT, 'index.json'), 'utf8')) as { histories: Entry[] }).histories.filter((h) => !index.some((i) => i.file === h.file)) : [];
    const histories = [...kept, ...index].sort((a, b) => a.file.localeCompare(b.file));
    const recorded = { recorded_at: new Date().toISOString(), commit };
    // Added to a corpus: the corpus keeps its own date and commit, each added history carries its own.
    const previous = only ? (JSON.parse(fs.readFileSync(path.join(OUT, 'index.json'), 'utf8')) as typeof recorded) : recorded;
    const entries = only ? histories.map((h) => (index.includes(h) ? { ...h, ...recorded } : h)) : histories;
    fs.writeFileSync(path.join(OUT, 'index.json'), `${JSON.stringify({ recorded_at: previous.recorded_at, commit: previous.commit, histories: entries }, null, 2)}\n`);
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await temporal.close();
    await db.destroy();
    await server.stop();
    await mail.close();
    await hubspot.close();
    await salesforce.close();
    fs.rmSync(bundlePath, { force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
