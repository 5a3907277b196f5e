import { notificationSettings } from '../../src/activities/notifications';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { temporal as proto } from '@temporalio/proto';
import { createActivities, crmSettings } from '../../src/activities';
import { startCrmDispatcher } from '../../src/worker/crmDispatcher';
import { crmLeadSink } from '../../src/worker/crmLeads';
import { createDb, type Db } from '../../src/db/knex';
import { createLogger } from '../../src/logger';
import type { ServiceDeps } from '../../src/services/deps';
import type { Temporal } from '../../src/temporal/client';
import { routeswitDataConverter } from '../../src/temporal/codec';
import { SEARCH_ATTRIBUTE_TYPE_NAMES } from '../../src/lead/searchAttributes';
import { startDispatcher } from '../../src/worker/dispatcher';
import { ownDatabase } from './database';
import { quietTemporalRuntime, testConfig } from './stack';

export interface TimeSkippingStack {
  env: TestWorkflowEnvironment;
  temporal: Temporal;
  db: Db;
  /** What services take, wired to this stack. */
  deps: ServiceDeps;
  worker: Worker;
  teardown(): Promise<void>;
}

/**
 * The time-skipping test server with Routeswit's search attributes, a real worker with the real activities on
 * the test database, and a Temporal handle the services can use: only the clock is simulated.
 */
export async function startTimeSkipping(overrides: Record<string, string> = {}): Promise<TimeSkippingStack> {
  quietTemporalRuntime();
  const config = testConfig(overrides);
  const dataConverter = routeswitDataConverter(config.ENCRYPTION_KEYS);
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_TEST_SERVER_PATH! } },
    client: { dataConverter },
  });
  await registerSearchAttributes(env);
  const taskQueue = `routeswit-ts-${process.pid}-${Date.now()}`;
  const temporal: Temporal = {
    client: env.client,
    connection: env.connection,
    taskQueue,
    namespace: env.namespace ?? 'default',
    apiUrl: config.PUBLIC_API_URL,
    ping: async () => undefined,
    close: async () => undefined,
  };
  // Its own Temporal server, so its own database (see ownDatabase).
  const own = await ownDatabase('ts');
  const db = createDb(own.url, 10);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
    dataConverter,
    activities: createActivities({
      db,
      taskQueue,
      outboundTargets: config.OUTBOUND_TARGETS,
      encryptionKeys: config.ENCRYPTION_KEYS,
      notifications: notificationSettings(config),
      crm: crmSettings(config),
      crmLeads: crmLeadSink({ db, temporal, logger: silentLogger, config: { ...config, TEMPORAL_TASK_QUEUE: taskQueue } }),
    }),
  });
  // One worker polls for the whole file: a worker cannot be run again once it has stopped.
  const running = worker.run();
  const dispatcher = startDispatcher({ db, temporal, logger: silentLogger, intervalMs: 100 });
  const crmDispatcher = startCrmDispatcher({ db, temporal, logger: silentLogger, intervalMs: 100 });
  return {
    env,
    temporal,
    db,
    deps: { db, temporal, logger: silentLogger, config: { ...config, TEMPORAL_TASK_QUEUE: taskQueue } },
    worker,
    teardown: async () => {
      await Promise.all([dispatcher.stop(), crmDispatcher.stop()]);
      worker.shutdown();
      await running;
      await env.teardown();
      await db.destroy();
      await own.drop();
    },
  };
}

/** Routeswit's search attributes on a time-skipping server (the dev server gets them on its command line). */
export async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  const types = proto.api.enums.v1.IndexedValueType;
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      Object.entries(SEARCH_ATTRIBUTE_TYPE_NAMES).map(([name, type]) => [name, type === 'Datetime' ? types.INDEXED_VALUE_TYPE_DATETIME : types.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
}

export const silentLogger = createLogger('silent', 'test');
