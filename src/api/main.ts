// First: tracing hooks the loading of express and pg (see src/telemetry).
import { tracing } from '../telemetry/api';
import { loadConfigOrExit } from '../config';
import { dbFromConfig } from '../db/knex';
import { createLogger } from '../logger';
import { createTemporal } from '../temporal/client';
import { createApp } from './app';
import { createRateLimits } from './rateLimit';
import { createServer, listen } from './server';
import { serveMetrics } from '../metrics/server';
import { drainable } from './drain';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL, 'routeswit-api');
  const db = dbFromConfig(config, { applicationName: 'routeswit-api' });
  const temporal = createTemporal(config);
  const lifecycle = { draining: false };
  const app = createApp({ config, db, logger, temporal, limits: createRateLimits(config), lifecycle });
  const server = createServer(app, config);
  const drainer = drainable(server, lifecycle);
  const port = await listen(server, config.PORT, config.HOST);
  const scheme = config.TLS_CERT_FILE ? 'https' : 'http';
  logger.info({ port, scheme, require_https: config.REQUIRE_HTTPS }, `API listening on ${scheme}://${config.HOST}:${port}`);
  const metrics = config.METRICS_ADDRESS ? await serveMetrics(config.METRICS_ADDRESS, db, 'api', logger) : null;
  if (metrics) logger.info({ address: config.METRICS_ADDRESS }, 'API metrics on /metrics');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, in_flight: drainer.inFlight, grace_seconds: config.API_SHUTDOWN_GRACE_SECONDS }, 'API draining: no new connections, answering the requests in flight');
    const { unfinished } = await drainer.drain(config.API_SHUTDOWN_GRACE_SECONDS * 1000);
    if (unfinished) logger.warn({ unfinished }, 'requests still unanswered at the end of the grace period were cut off');
    metrics?.close();
    await Promise.allSettled([db.destroy(), temporal.close(), tracing.shutdown()]);
    logger.info({ clean: unfinished === 0 }, 'API stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`API failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
