import { loadConfigOrExit } from '../config';
import { createDb } from '../db/knex';
import { createLogger } from '../logger';
import { createTemporal } from '../temporal/client';
import { createApp } from './app';
import { createRateLimits } from './rateLimit';
import { createServer, listen } from './server';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL, 'routeswit-api');
  const db = createDb(config.DATABASE_URL, config.DATABASE_POOL_MAX, { preparedStatements: config.DATABASE_PREPARED_STATEMENTS });
  const temporal = createTemporal(config);
  const app = createApp({ config, db, logger, temporal, limits: createRateLimits(config) });
  const server = createServer(app, config);
  const port = await listen(server, config.PORT, config.HOST);
  const scheme = config.TLS_CERT_FILE ? 'https' : 'http';
  logger.info({ port, scheme, require_https: config.REQUIRE_HTTPS }, `API listening on ${scheme}://${config.HOST}:${port}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'API shutting down');
    server.close();
    server.closeIdleConnections();
    await Promise.allSettled([db.destroy(), temporal.close()]);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`API failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
