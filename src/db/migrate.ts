import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Config } from '../config';
import { dbFromConfig, type Db, type DbConfig } from './knex';

// Compiled builds carry .js migrations, source runs (tsx, jest) the .ts ones. Names are recorded without
// the extension so a database migrated from source is recognised by the compiled build and vice versa.
const EXT = path.extname(__filename);
const DIRECTORY = path.resolve(__dirname, '..', '..', 'migrations');

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const source: Knex.MigrationSource<string> = {
  async getMigrations() {
    return fs
      .readdirSync(DIRECTORY)
      .filter((f) => f.endsWith(EXT) && !f.endsWith('.d.ts'))
      .map((f) => f.slice(0, -EXT.length))
      .sort();
  },
  getMigrationName: (name) => name,
  async getMigration(name) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path.join(DIRECTORY, name + EXT)) as MigrationModule;
  },
};

const config: Knex.MigratorConfig = { migrationSource: source, tableName: 'knex_migrations' };

export async function migrateLatest(db: Db): Promise<string[]> {
  // An index a killed run left half-built is invalid, and `CREATE INDEX CONCURRENTLY IF NOT EXISTS` would
  // skip it on the rerun: it is rebuilt first (and any left after, by this run's own failures, reported).
  await repairInvalidIndexes(db);
  const [, applied] = (await db.migrate.latest(config)) as [number, string[]];
  const left = await invalidIndexes(db);
  if (left.length) throw new Error(`indexes left invalid after migrating: ${left.join(', ')}; run migrate latest again`);
  return applied;
}

/** Indexes of this schema that Postgres does not use because building them failed (CREATE INDEX CONCURRENTLY). */
export async function invalidIndexes(db: Db): Promise<string[]> {
  const { rows } = await db.raw<{ rows: Array<{ name: string }> }>(
    `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid AND n.nspname = current_schema() ORDER BY c.relname`,
  );
  return rows.map((r) => r.name);
}

/** Rebuilds each invalid index (without blocking writes); the names of those rebuilt. */
export async function repairInvalidIndexes(db: Db): Promise<string[]> {
  const invalid = await invalidIndexes(db);
  for (const name of invalid) await db.raw('REINDEX INDEX CONCURRENTLY ??', [name]);
  return invalid;
}

/**
 * Frees the migration lock that a killed `migrate` (a Job evicted mid-run) leaves taken: every later run would
 * wait on it. Only when no migration is running (the operator's call); true when it was taken.
 */
export async function migrateUnlock(db: Db): Promise<boolean> {
  const row = (await db('knex_migrations_lock').first('is_locked').catch(() => undefined)) as { is_locked: number } | undefined;
  await db.migrate.forceFreeMigrationsLock(config);
  return row?.is_locked === 1;
}

/** Waits until the database has every migration this build knows (a pod's init container before it starts). */
export async function migrateWait(db: Db, timeoutSeconds: number, onWait: (pending: string[]) => void = () => undefined): Promise<void> {
  const until = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const { pending } = await migrationStatus(db).catch(() => ({ pending: ['(the migrations table is not there yet)'] }));
    if (!pending.length) return;
    if (Date.now() > until) throw new Error(`the database still lacks ${pending.length} migration(s) of this build after ${timeoutSeconds} s: ${pending.slice(0, 5).join(', ')}`);
    onWait(pending);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Undoes the last batch of migrations (the last `migrate latest`), or with `all` every one of them. */
export async function migrateRollback(db: Db, all: boolean): Promise<string[]> {
  const [, undone] = (await db.migrate.rollback(config, all)) as [number, string[]];
  return undone;
}

export async function migrationStatus(db: Db): Promise<{ done: string[]; pending: string[] }> {
  const [done, pending] = (await db.migrate.list(config)) as [Array<{ name: string }>, string[]];
  return { done: done.map((d) => d.name), pending };
}

/**
 * Creates the database named in `url` when the server answers but the database does not exist yet; with
 * `fresh`, drops it first (test and recording databases only). When the database is there, nothing else is
 * touched: behind PgBouncer, or as a role that may not connect to `postgres`, migrating an existing database
 * needs nothing but the database itself.
 */
export async function ensureDatabase(url: string, opts: { fresh?: boolean } = {}): Promise<void> {
  const { Client } = await import('pg');
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) return;
  if (!opts.fresh && (await databaseExists(url))) return;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    if (opts.fresh) await client.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } catch (err) {
    // Two processes racing to create it is fine: the loser sees duplicate_database.
    if ((err as { code?: string }).code !== '42P04') throw err;
  } finally {
    await client.end();
  }
}

/** Whether the database in `url` accepts a connection (false only when the server says it does not exist). */
async function databaseExists(url: string): Promise<boolean> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === '3D000') return false;
    throw err;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The database schema changes go through: MIGRATION_DATABASE_URL (a direct connection, or a role of their own)
 * else DATABASE_URL, without a statement timeout. A fresh deployment's first step is `migrate`: when the server
 * says the database does not exist, it is created (which needs the `postgres` database; nothing else does).
 */
export async function openMigrationDb(config: DbConfig & Pick<Config, 'MIGRATION_DATABASE_URL'>): Promise<Db> {
  const url = config.MIGRATION_DATABASE_URL ?? config.DATABASE_URL;
  const open = () => dbFromConfig(config, { url, poolMax: 2, applicationName: 'routeswit-migrate', statementTimeout: false });
  const db = open();
  try {
    await db.raw('SELECT 1');
    return db;
  } catch (err) {
    await db.destroy();
    if ((err as { code?: string }).code !== '3D000') throw err;
    await ensureDatabase(url);
    return open();
  }
}
