import { notificationSettings } from '../../src/activities/notifications';
import type { Express } from 'express';
import supertest from 'supertest';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createApp } from '../../src/api/app';
import type { ApiDeps } from '../../src/api/deps';
import { createRateLimits } from '../../src/api/rateLimit';
import { loadConfig, type Config } from '../../src/config';
import { dbFromConfig, type Db } from '../../src/db/knex';
import { createOrg } from '../../src/db/orgs';
import { createLogger } from '../../src/logger';
import type { Scope } from '../../src/schemas/apiKeys';
import { createKey } from '../../src/services/apiKeys';
import { createTemporal } from '../../src/temporal/client';
import { notificationRetry, startDispatcher } from '../../src/worker/dispatcher';
import { firstAttempts } from '../../src/worker/firstAttempts';
import { createWorker } from '../../src/worker/worker';
import { startBulkFeeder } from '../../src/worker/bulkFeeder';
import { startCrmDispatcher } from '../../src/worker/crmDispatcher';
import { crmLeadSink } from '../../src/worker/crmLeads';
import { crmSettings, retentionSettings } from '../../src/activities';

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...process.env, LOG_LEVEL: 'silent', NODE_ENV: 'test', ...overrides });
}

export interface TestApi {
  app: Express;
  deps: ApiDeps;
  http: ReturnType<typeof supertest>;
  close(): Promise<void>;
}

/** The real app on the test database and the run's Temporal server; nothing is mocked. */
export function startApi(overrides: Record<string, string> = {}): TestApi {
  const config = testConfig(overrides);
  // As the API process makes it (DATABASE_* settings): a test of a setting tests what production does.
  const db = dbFromConfig(config, { poolMax: 5, applicationName: 'routeswit-test-api' });
  const temporal = createTemporal(config);
  const deps: ApiDeps = {
    config,
    db,
    temporal,
    logger: createLogger(config.LOG_LEVEL, 'test-api'),
    limits: createRateLimits(config),
  };
  const app = createApp(deps);
  return {
    app,
    deps,
    http: supertest(app),
    close: async () => {
      await db.destroy();
      await temporal.close();
    },
  };
}

export interface TestOrg {
  orgId: string;
  key: string;
  keyId: string;
  auth: { Authorization: string };
}

let orgCounter = 0;
export async function newOrg(db: Db, scopes?: Scope[]): Promise<TestOrg> {
  const org = await createOrg(db, `Test org ${++orgCounter} ${process.pid}`);
  const key = await createKey({ db }, org.id, { name: 'test key', scopes });
  return { orgId: org.id, key: key.secret, keyId: key.id, auth: { Authorization: `Bearer ${key.secret}` } };
}

export async function restrictedKey(db: Db, orgId: string, scopes: Scope[]): Promise<{ Authorization: string }> {
  const key = await createKey({ db }, orgId, { name: 'restricted test key', scopes });
  return { Authorization: `Bearer ${key.secret}` };
}

export interface TestWorker {
  worker: Worker;
  connection: NativeConnection;
  db: Db;
  running: Promise<void>;
  stop(): Promise<void>;
}

/** A real worker polling the run's Temporal server, using the bundle prebuilt by global setup. */
export async function startWorker(taskQueue = testConfig().TEMPORAL_TASK_QUEUE, overrides: Record<string, string> = {}, opts: { outbox?: boolean } = {}): Promise<TestWorker> {
  quietTemporalRuntime();
  const config = testConfig(overrides);
  const connection = await NativeConnection.connect(config.TEMPORAL_CONNECTION.options);
  const db = dbFromConfig(config, { poolMax: 10, applicationName: 'routeswit-test-worker' });
  const temporal = createTemporal(config);
  const worker = await createWorker({
    connection,
    db,
    temporal,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue,
    outboundTargets: config.OUTBOUND_TARGETS,
    encryptionKeys: config.ENCRYPTION_KEYS,
    notifications: notificationSettings(config),
    crm: crmSettings(config),
    retention: retentionSettings(config),
    crmLeads: crmLeadSink({ db, temporal, logger: createLogger('silent', 'test-crm'), config }),
    workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE,
  });
  const running = worker.run();
  // As in the worker process: the outbox (webhook deliveries, notifications, wake-ups of waiting leads) is
  // dispatched. Its rows name no task queue (a deployment has one), so every stack that dispatches takes every
  // test file's rows and sends them with its own settings: stacks that need no outbox leave it to the others.
  const dispatcher =
    opts.outbox === false
      ? { stop: async () => undefined }
      : startDispatcher({
          db,
          temporal,
          logger: createLogger('silent', 'test-dispatcher'),
          intervalMs: 200,
          notificationRetry: notificationRetry(config),
          firstAttempts: firstAttempts(db, { outboundTargets: config.OUTBOUND_TARGETS, encryptionKeys: config.ENCRYPTION_KEYS, notifications: notificationSettings(config) }),
        });
  // And leads taken in bulk are started, a few at a time (only this task queue's).
  const feeder = startBulkFeeder({ db, temporal, logger: createLogger('silent', 'test-feeder'), maxRouting: config.BULK_LEADS_ROUTING, maxRoutingShared: config.BULK_LEADS_ROUTING_SHARED });
  // And CRM work (owner writes, webhook batches) of this task queue.
  const crmDispatcher = startCrmDispatcher({ db, temporal, logger: createLogger('silent', 'test-crm-dispatcher'), intervalMs: 200 });
  return {
    worker,
    connection,
    db,
    running,
    stop: async () => {
      await Promise.all([dispatcher.stop(), feeder.stop(), crmDispatcher.stop()]);
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await temporal.close();
      await db.destroy();
    },
  };
}

let runtimeInstalled = false;
/** The SDK logs every worker state change at INFO; tests only want warnings. */
export function quietTemporalRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Runtime, DefaultLogger, makeTelemetryFilterString } = require('@temporalio/worker') as typeof import('@temporalio/worker');
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } } });
  } catch {
    // already installed in this process
  }
}

/**
 * The usual API test file's setup: the real app (with `overrides` in its configuration) and one organization
 * with a secret key, made before the file's tests and closed after them. Read `suite.api` and `suite.org`
 * inside tests (they exist once beforeAll has run).
 */
export function apiSuite(overrides: Record<string, string> = {}): { api: TestApi; org: TestOrg } {
  const suite = {} as { api: TestApi; org: TestOrg };
  beforeAll(async () => {
    suite.api = startApi(overrides);
    suite.org = await newOrg(suite.api.deps.db);
  });
  afterAll(() => suite.api.close());
  return suite;
}

/** Publishes a ruleset through the API (create, then publish), as a user would. */
export async function publishRules(api: TestApi, org: TestOrg, rules: object): Promise<string> {
  const rs = await api.http.post('/v1/rules').set(org.auth).send({ name: 'rules', ...rules });
  expect(rs.status).toBe(200);
  expect((await api.http.post(`/v1/rules/${rs.body.id}/publish`).set(org.auth)).status).toBe(200);
  return rs.body.id;
}

/** A new organization with these reps (Rep 0, Rep 1, …) and this ruleset published: most end-to-end tests start here. */
export async function orgWithRules(api: TestApi, rules: object, reps: Array<Record<string, unknown>>): Promise<{ org: TestOrg; reps: string[] }> {
  const org = await newOrg(api.deps.db);
  const ids: string[] = [];
  for (const [i, r] of reps.entries()) {
    const res = await api.http.post('/v1/reps').set(org.auth).send({ name: `Rep ${i}`, email: `rep${i}@seller.io`, ...r });
    expect(res.status).toBe(200);
    ids.push(res.body.id);
  }
  await publishRules(api, org, rules);
  return { org, reps: ids };
}
