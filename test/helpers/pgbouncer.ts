import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/dev/temporalServer';
import { aptInstall } from './apt';

const BINARY = '/usr/sbin/pgbouncer';

/**
 * Debian's PgBouncer in transaction mode in front of the test Postgres, as managed platforms put one: a
 * server connection is the client's only for one transaction. It runs as the `postgres` user (PgBouncer
 * refuses root), on a free port, and lets the session settings Routeswit sends at connect time through as
 * ignored (`ignore_startup_parameters`): behind a pooler they belong on the role (README).
 */
export async function startPgBouncer(upstream: string): Promise<{ url(database: string): string; stop(): Promise<void> }> {
  if (!fs.existsSync(BINARY)) aptInstall(['pgbouncer'], 'pgbouncer test');
  const u = new URL(upstream);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'routeswit-pgbouncer-'));
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'users.txt'), `"${decodeURIComponent(u.username) || 'postgres'}" ""\n`);
  fs.writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${u.hostname} port=${u.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${path.join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      'max_client_conn = 500',
      'default_pool_size = 20',
      'ignore_startup_parameters = extra_float_digits,statement_timeout,lock_timeout,idle_in_transaction_session_timeout',
      `logfile = ${path.join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const child: ChildProcess = spawn('runuser', ['-u', 'postgres', '--', BINARY, path.join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (fs.existsSync(path.join(dir, 'pgbouncer.log')) && /listening on 127\.0\.0\.1/.test(fs.readFileSync(path.join(dir, 'pgbouncer.log'), 'utf8'))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: (database) => `postgres://${u.username || 'postgres'}@127.0.0.1:${port}/${database}`,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
