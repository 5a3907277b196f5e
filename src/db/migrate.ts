import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Db } from './knex';

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
  const [, applied] = (await db.migrate.latest(config)) as [number, string[]];
  return applied;
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
 * `fresh`, drops it first (test and recording databases only).
 */
export async function ensureDatabase(url: string, opts: { fresh?: boolean } = {}): Promise<void> {
  const { Client } = await import('pg');
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) return;
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
