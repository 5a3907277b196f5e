import http from 'node:http';
import { loadConfigOrExit } from '../config';

/** Container health probe for the worker: exit 0 while it polls (needs WORKER_HEALTH_PORT). */
const config = loadConfigOrExit();
if (config.WORKER_HEALTH_PORT === undefined) {
  process.stderr.write('WORKER_HEALTH_PORT is not set: the worker serves no health endpoint\n');
  process.exit(1);
}
const req = http.get({ host: '127.0.0.1', port: config.WORKER_HEALTH_PORT, path: '/healthz', timeout: 4000 }, (res) => process.exit(res.statusCode === 200 ? 0 : 1));
req.on('error', () => process.exit(1));
req.on('timeout', () => process.exit(1));
