import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Express } from 'express';
import type { Config } from '../config';

/** HTTPS when a certificate is configured, plain HTTP otherwise (behind a TLS-terminating proxy, or local). */
export function createServer(app: Express, config: Config): http.Server {
  const server =
    config.TLS_CERT_FILE && config.TLS_KEY_FILE
      ? https.createServer({ cert: fs.readFileSync(config.TLS_CERT_FILE), key: fs.readFileSync(config.TLS_KEY_FILE) }, app)
      : http.createServer(app);
  // Slow-loris protection without cutting off the lead endpoint's wait budget.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
  return server;
}

export function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}
