import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

/** A certificate authority made for one test, and certificates it signs (openssl, as an operator would). */
export interface TestPki {
  dir: string;
  caCert: string;
  /** A certificate and key the CA signed, for a name (and 127.0.0.1). */
  issue(name: string, opts?: { client?: boolean }): { cert: string; key: string };
  /** A second CA's certificate for the same name: what a wrong client certificate looks like. */
  stranger(name: string): { cert: string; key: string };
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

function makeCa(dir: string, name: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', key, '-out', cert);
  return { cert, key };
}

function sign(dir: string, ca: { cert: string; key: string }, name: string, client: boolean): { cert: string; key: string } {
  const base = path.join(dir, `${name}-${client ? 'client' : 'server'}-${path.basename(ca.cert, '.crt')}`);
  const ext = `${base}.ext`;
  fs.writeFileSync(ext, client ? 'extendedKeyUsage=clientAuth\n' : `subjectAltName=DNS:${name},IP:127.0.0.1\nextendedKeyUsage=serverAuth\n`);
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${base}.key`, '-out', `${base}.csr`);
  openssl(dir, 'x509', '-req', '-in', `${base}.csr`, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', `${base}.crt`);
  return { cert: `${base}.crt`, key: `${base}.key` };
}

export function testPki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'routeswit-pki-'));
  const ca = makeCa(dir, 'test-ca');
  let other: { cert: string; key: string } | undefined;
  return {
    dir,
    caCert: ca.cert,
    issue: (name, opts = {}) => sign(dir, ca, name, opts.client === true),
    stranger: (name) => sign(dir, (other ??= makeCa(dir, 'stranger-ca')), name, true),
  };
}

/**
 * A TLS-terminating proxy on loopback in front of a plaintext gRPC server (the dev server), as a load
 * balancer in front of a Temporal cluster with mTLS: it requires a client certificate its CA signed, and
 * refuses the handshake otherwise. gRPC needs HTTP/2, negotiated by ALPN.
 */
export async function tlsProxy(target: string, pki: TestPki): Promise<{ address: string; handshakes: { ok: number; refused: number }; close(): Promise<void> }> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const server = pki.issue('localhost');
  const handshakes = { ok: 0, refused: 0 };
  const sockets = new Set<net.Socket>();
  const proxy = tls.createServer(
    { cert: fs.readFileSync(server.cert), key: fs.readFileSync(server.key), ca: fs.readFileSync(pki.caCert), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
    (client) => {
      handshakes.ok++;
      const upstream = net.connect(port, host);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    },
  );
  proxy.on('tlsClientError', () => handshakes.refused++);
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const { port: listening } = proxy.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${listening}`,
    handshakes,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        proxy.close(() => resolve());
      }),
  };
}
