import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { temporal as proto } from '@temporalio/proto';
import { createActivities } from '../../src/activities';
import { createDb, type Db } from '../../src/db/knex';
import { createLogger } from '../../src/logger';
import type { ServiceDeps } from '../../src/services/deps';
import type { Temporal } from '../../src/temporal/client';
import { routeswitDataConverter } from '../../src/temporal/codec';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/lead/searchAttributes';
import { startDispatcher } from '../../src/worker/dispatcher';
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
export async function startTimeSkipping(): Promise<TimeSkippingStack> {
  quietTemporalRuntime();
  const dataConverter = routeswitDataConverter(testConfig().ENCRYPTION_KEYS);
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_TEST_SERVER_PATH! } },
    client: { dataConverter },
  });
  const keyword = proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(ALL_SEARCH_ATTRIBUTES.map((sa) => [sa.name, keyword])),
  });
  const taskQueue = `routeswit-ts-${process.pid}-${Date.now()}`;
  const temporal: Temporal = {
    client: env.client,
    connection: env.connection,
    taskQueue,
    namespace: env.namespace ?? 'default',
    ping: async () => undefined,
    close: async () => undefined,
  };
  const db = createDb(testConfig().DATABASE_URL, 10);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
    dataConverter,
    activities: createActivities({ db, outboundTargets: testConfig().OUTBOUND_TARGETS, encryptionKeys: testConfig().ENCRYPTION_KEYS }),
  });
  // One worker polls for the whole file: a worker cannot be run again once it has stopped.
  const running = worker.run();
  const dispatcher = startDispatcher({ db, temporal, logger: silentLogger, intervalMs: 100 });
  return {
    env,
    temporal,
    db,
    deps: { db, temporal, logger: silentLogger, config: testConfig() },
    worker,
    teardown: async () => {
      await dispatcher.stop();
      worker.shutdown();
      await running;
      await env.teardown();
      await db.destroy();
    },
  };
}

export const silentLogger = createLogger('silent', 'test');
