import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { createServer, listen } from '../../src/api/server';
import { startApi, testConfig, apiSuite } from '../helpers/stack';

const suite = apiSuite({ REQUIRE_HTTPS: 'true', TRUST_PROXY: 'loopback' });

describe('HTTPS required', () => {
  it('refuses plain HTTP with 403 HTTPS_REQUIRED and does not process the request', async () => {
    const before = await suite.api.deps.db('reps').where({ org_id: suite.org.orgId }).count<{ count: number }[]>('* as count');
    const res = await suite.api.http.post('/v1/reps').set(suite.org.auth).send({ name: 'Never', email: 'never@x.io' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('HTTPS_REQUIRED');
    const after = await suite.api.deps.db('reps').where({ org_id: suite.org.orgId }).count<{ count: number }[]>('* as count');
    expect(after[0]!.count).toBe(before[0]!.count);
  });

  it('refuses plain HTTP even before checking the key', async () => {
    const res = await suite.api.http.get('/v1/reps');
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('HTTPS_REQUIRED');
  });

  it('accepts a request forwarded by a TLS-terminating proxy on the private network', async () => {
    const res = await suite.api.http.get('/v1/reps').set(suite.org.auth).set('X-Forwarded-Proto', 'https');
    expect(res.status).toBe(200);
  });

  it('does not trust X-Forwarded-Proto from a peer outside TRUST_PROXY', async () => {
    const strict = startApi({ REQUIRE_HTTPS: 'true', TRUST_PROXY: '10.1.2.3' });
    try {
      const res = await strict.http.get('/v1/reps').set(suite.org.auth).set('X-Forwarded-Proto', 'https');
      expect(res.status).toBe(403);
    } finally {
      await strict.close();
    }
  });

  it('keeps /healthz reachable for load balancers probing over HTTP', async () => {
    expect((await suite.api.http.get('/healthz')).status).toBe(200);
  });

  it('terminates TLS itself from TLS_CERT_FILE and TLS_KEY_FILE', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'routeswit-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const config = testConfig({ REQUIRE_HTTPS: 'true', TLS_CERT_FILE: cert, TLS_KEY_FILE: key });
    const server = createServer(suite.api.app, config);
    const port = await listen(server, 0, '127.0.0.1');
    try {
      const body = await new Promise<{ status: number; json: unknown }>((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port, path: '/v1/reps', headers: suite.org.auth, rejectUnauthorized: false }, (res) => {
            let data = '';
            res.on('data', (c) => (data += c));
            res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(data) }));
          })
          .on('error', reject);
      });
      expect(body.status).toBe(200);
      expect(Array.isArray(body.json)).toBe(true);
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
