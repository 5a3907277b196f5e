import http from 'node:http';
import type { Db } from '../db/knex';
import type { Logger } from '../logger';
import { registry } from './metrics';
import { scrape } from './collect';

/**
 * /metrics on an address of its own (METRICS_ADDRESS for the API, WORKER_APP_METRICS_ADDRESS for the worker):
 * not the public port, so what it tells is for the operator's Prometheus only.
 */
export function serveMetrics(address: string, db: Db, pool: string, logger: Logger): Promise<http.Server> {
  const [host, port] = splitAddress(address);
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.statusCode = 404;
      return res.end();
    }
    scrape(db, pool, (err) => logger.warn({ err }, 'metrics: the outboxes could not be read'))
      .then((text) => {
        res.setHeader('content-type', registry.contentType);
        res.end(text);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'metrics scrape failed');
        res.statusCode = 500;
        res.end();
      });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

export function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i).replace(/^\[|\]$/g, '') || '127.0.0.1', Number(address.slice(i + 1))];
}
