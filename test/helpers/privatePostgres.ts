import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/dev/temporalServer';

/**
 * A Postgres server of a test's own, from the machine's PostgreSQL binaries, for what the shared one cannot be
 * made to do without disturbing the other tests (TLS only, with a certificate of the test's CA). It runs as the
 * `postgres` user, on a free port on loopback, and is removed when stopped.
 */
export interface PrivatePostgres {
  port: number;
  url(database?: string, query?: string): string;
  stop(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const version = fs.readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  if (!version) throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql');
  return path.join(root, version, 'bin');
}

const asPostgres = (bin: string, args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', path.join(binDir(), bin), ...args], { stdio: 'pipe' });

export async function startPrivatePostgres(opts: { tls?: { cert: string; key: string }; hostname?: string }): Promise<PrivatePostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'routeswit-pg-'));
  const data = path.join(dir, 'data');
  fs.chmodSync(dir, 0o755);
  execFileSync('chown', ['postgres:postgres', dir]);
  asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  const port = await freePort();
  // Two loopback addresses: a test may reach the same server by a name its certificate does not carry.
  const conf: string[] = [`listen_addresses = '127.0.0.1,127.0.0.2'`, `port = ${port}`, `unix_socket_directories = '${dir}'`, 'fsync = off'];
  if (opts.tls) {
    for (const [from, to] of [[opts.tls.cert, 'server.crt'], [opts.tls.key, 'server.key']] as const) {
      fs.copyFileSync(from, path.join(data, to));
      execFileSync('chown', ['postgres:postgres', path.join(data, to)]);
      fs.chmodSync(path.join(data, to), 0o600);
    }
    conf.push('ssl = on', "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'");
    // TLS or nothing: a client that does not ask for it is refused.
    fs.writeFileSync(path.join(data, 'pg_hba.conf'), 'local all all trust\nhostssl all all 127.0.0.0/8 trust\nhostnossl all all 127.0.0.0/8 reject\n');
  }
  fs.appendFileSync(path.join(data, 'postgresql.conf'), `\n${conf.join('\n')}\n`);
  asPostgres('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', 'start']);
  const host = opts.hostname ?? '127.0.0.1';
  return {
    port,
    url: (database = 'postgres', query = '') => `postgres://postgres@${host}:${port}/${database}${query ? `?${query}` : ''}`,
    stop: async () => {
      try {
        asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
