// First: tracing hooks the loading of pg and http (see src/telemetry).
import { tracing } from '../telemetry/worker';
import { serveMetrics } from '../metrics/server';
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { notificationSettings } from '../activities/notifications';
import { loadConfigOrExit, type TemporalConnection } from '../config';
import { dbFromConfig } from '../db/knex';
import { createLogger } from '../logger';
import { createTemporal } from '../temporal/client';
import { describeConnectError } from '../temporal/connect';
import { notificationRetry, startDispatcher } from './dispatcher';
import { firstAttempts } from './firstAttempts';
import { startSweeper } from './sweeper';
import { startBulkFeeder } from './bulkFeeder';
import { serveHealth } from './health';
import { deploymentOptions } from './versioning';
import { createWorker, defaultBundlePath } from './worker';
import { crmSettings, retentionSettings } from '../activities';
import { startCrmDispatcher } from './crmDispatcher';
import { crmLeadSink } from './crmLeads';

/** In a fresh deployment the worker may start before Temporal answers: it waits this long, then gives up. */
const CONNECT_ATTEMPTS = 30;
const CONNECT_RETRY_MS = 2000;
/** After the worker has stopped, background jobs and connections get this long to close. */
const CLEANUP_MS = 5000;

/**
 * Waiting for Temporal rather than crash-looping: one minute, enough for a server starting beside it. A refusal
 * that waiting cannot fix (a TLS handshake the server rejects, credentials it refuses) stops at once, naming
 * the setting.
 */
async function connectWithRetry(connection: TemporalConnection, logger: ReturnType<typeof createLogger>): Promise<NativeConnection> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await NativeConnection.connect(connection.options);
    } catch (err) {
      const { message, permanent } = describeConnectError(err, connection);
      if (permanent || attempt >= CONNECT_ATTEMPTS) throw new Error(message);
      logger.warn({ address: connection.address, attempt }, message);
      await new Promise((r) => setTimeout(r, CONNECT_RETRY_MS));
    }
  }
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL, 'routeswit-worker');
  Runtime.install({
    logger: {
      log: (level, message, meta) => logger[level === 'TRACE' ? 'trace' : (level.toLowerCase() as 'info')]({ ...meta }, message),
      trace: (m, meta) => logger.trace(meta ?? {}, m),
      debug: (m, meta) => logger.debug(meta ?? {}, m),
      info: (m, meta) => logger.info(meta ?? {}, m),
      warn: (m, meta) => logger.warn(meta ?? {}, m),
      error: (m, meta) => logger.error(meta ?? {}, m),
    },
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) },
      ...(config.WORKER_METRICS_ADDRESS ? { metrics: { prometheus: { bindAddress: config.WORKER_METRICS_ADDRESS } } } : {}),
    },
  });
  const db = dbFromConfig(config, { applicationName: 'routeswit-worker' });
  const connection = await connectWithRetry(config.TEMPORAL_CONNECTION, logger);
  const temporal = createTemporal(config);
  const versioning = deploymentOptions(config);
  const worker = await createWorker({
    connection,
    db,
    temporal,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    outboundTargets: config.OUTBOUND_TARGETS,
    encryptionKeys: config.ENCRYPTION_KEYS,
    notifications: notificationSettings(config),
    crm: crmSettings(config),
    retention: retentionSettings(config),
    crmLeads: crmLeadSink({ db, temporal, logger, config }),
    workflowBundlePath: config.WORKFLOW_BUNDLE_PATH ?? defaultBundlePath(),
    poolSize: config.DATABASE_POOL_MAX,
    shutdown: { graceSeconds: config.WORKER_SHUTDOWN_GRACE_SECONDS, forceSeconds: config.WORKER_SHUTDOWN_FORCE_SECONDS },
    versioning,
    tracing,
    ...(config.WORKER_MAX_CACHED_WORKFLOWS === undefined ? {} : { tuning: { maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS } }),
  });
  const health = config.WORKER_HEALTH_PORT === undefined ? null : await serveHealth(worker, config.WORKER_HEALTH_PORT, config.WORKER_HEALTH_HOST);
  const metrics = config.WORKER_APP_METRICS_ADDRESS ? await serveMetrics(config.WORKER_APP_METRICS_ADDRESS, db, 'worker', logger) : null;
  const sweeper = startSweeper({ db, temporal, logger, intervalMs: config.SWEEPER_INTERVAL_MS });
  const dispatcher = startDispatcher({
    db,
    temporal,
    logger,
    notificationRetry: notificationRetry(config),
    firstAttempts: firstAttempts(db, { outboundTargets: config.OUTBOUND_TARGETS, encryptionKeys: config.ENCRYPTION_KEYS, notifications: notificationSettings(config) }),
  });
  const crmDispatcher = startCrmDispatcher({ db, temporal, logger });
  const feeder = startBulkFeeder({ db, temporal, logger, maxRouting: config.BULK_LEADS_ROUTING, maxRoutingShared: config.BULK_LEADS_ROUTING_SHARED });
  logger.info({ task_queue: config.TEMPORAL_TASK_QUEUE, address: config.TEMPORAL_ADDRESS, version: versioning?.version, metrics: config.WORKER_METRICS_ADDRESS }, 'worker polling');
  const running = worker.run();
  // A new build becomes current only when someone says so (`routeswit versions promote`): a pod of an older
  // build restarting must not put the older build back.
  if (versioning) logger.info({ version: versioning.version }, 'polling as this version; promote it with `routeswit versions promote` when it should take new workflows');
  // Resolves after SIGINT/SIGTERM once in-flight tasks have drained; rejects when the force time runs out.
  const outcome = await running.then(() => null, (err: unknown) => err);
  if (outcome) logger.error({ err: outcome }, 'worker stopped without draining');
  health?.close();
  metrics?.close();
  // With Postgres unreachable a background round can hang on the pool: the process leaves regardless.
  const cleanup = (async () => {
    await Promise.all([sweeper.stop(), dispatcher.stop(), crmDispatcher.stop(), feeder.stop()]);
    await Promise.allSettled([connection.close(), temporal.close()]);
    await db.destroy();
    await tracing.shutdown();
  })();
  const done = await Promise.race([cleanup.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), CLEANUP_MS).unref())]);
  logger.info({ clean: done && !outcome }, 'worker stopped');
  process.exit(outcome || !done ? 1 : 0);
}

main().catch((err) => {
  process.stderr.write(`worker failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
