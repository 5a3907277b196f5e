import http from 'node:http';
import https from 'node:https';
import { loadConfigOrExit } from '../config';

/** Container health probe: asks this API's own /readyz over whichever scheme it serves. Exit 0 when ready. */
const config = loadConfigOrExit();
const tls = Boolean(config.TLS_CERT_FILE);
const req = (tls ? https : http).get(
  { host: '127.0.0.1', port: config.PORT, path: '/readyz', timeout: 4000, rejectUnauthorized: false },
  (res) => process.exit(res.statusCode === 200 ? 0 : 1),
);
req.on('error', () => process.exit(1));
req.on('timeout', () => process.exit(1));
