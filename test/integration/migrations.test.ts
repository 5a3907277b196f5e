import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { createDb } from '../../src/db/knex';
import { invalidIndexes, migrateLatest, migrateRollback, migrationStatus } from '../../src/db/migrate';

const base = process.env.DATABASE_URL!;
const scratchName = `routeswit_migrations_${process.pid}`;

async function admin(sql: string) {
  const url = new URL(base);
  url.pathname = '/postgres';
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

beforeAll(() => admin(`CREATE DATABASE "${scratchName}"`));
afterAll(() => admin(`DROP DATABASE IF EXISTS "${scratchName}" WITH (FORCE)`));

describe('migrations', () => {
  it('apply from scratch, roll back completely, and apply again', async () => {
    const url = new URL(base);
    url.pathname = `/${scratchName}`;
    const db = createDb(url.toString(), 2);
    try {
      const applied = await migrateLatest(db);
      expect(applied.length).toBeGreaterThan(0);
      expect((await migrationStatus(db)).pending).toEqual([]);
      const tablesUp = await db.raw("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT LIKE 'knex_%'");
      expect(tablesUp.rows[0].n).toBeGreaterThan(0);

      await migrateRollback(db, true);
      const tablesDown = await db.raw("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT LIKE 'knex_%'");
      expect(tablesDown.rows[0].n).toBe(0);

      expect(await migrateLatest(db)).toEqual(applied);
    } finally {
      await db.destroy();
    }
  });
});

/** Issue 27: what a migration Job killed mid-run leaves behind, and what the next run does about it. */
describe('a killed migration', () => {
  const url = () => {
    const u = new URL(base);
    u.pathname = `/${scratchName}`;
    return u.toString();
  };
  const cli = (...args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../src/cli/main.ts'), ...args], { env: { ...process.env, DATABASE_URL: url(), LOG_LEVEL: 'silent' } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => resolve({ code, out }));
    });

  it('leaves the lock taken: the next run waits on it, migrate unlock frees it, and the rerun applies what is left', async () => {
    const db = createDb(url(), 2);
    try {
      await migrateLatest(db);
      await migrateRollback(db, false);
      // What a process killed between taking the lock and releasing it leaves.
      await db('knex_migrations_lock').update({ is_locked: 1 });
      const blocked = await cli('migrate', 'latest');
      expect(blocked.code).not.toBe(0);
      expect(blocked.out).toMatch(/locked/i);
      const unlock = await cli('migrate', 'unlock');
      expect(unlock.code).toBe(0);
      expect(unlock.out).toMatch(/"unlocked": true/);
      const rerun = await cli('migrate', 'latest');
      expect(rerun.code).toBe(0);
      expect((await migrationStatus(db)).pending).toEqual([]);
    } finally {
      await db.destroy();
    }
  }, 60_000);

  it('leaves an index half-built (invalid), which IF NOT EXISTS skips: the next run rebuilds it', async () => {
    const db = createDb(url(), 2);
    try {
      await migrateLatest(db);
      // What a CREATE INDEX CONCURRENTLY cut off halfway leaves: an index Postgres keeps but never uses.
      await db.raw("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'leads_bulk_waiting'::regclass");
      expect(await invalidIndexes(db)).toEqual(['leads_bulk_waiting']);
      const rerun = await cli('migrate', 'latest');
      expect(rerun.code).toBe(0);
      expect(await invalidIndexes(db)).toEqual([]);
    } finally {
      await db.destroy();
    }
  }, 60_000);

  it('migrate wait returns once the database has every migration, and says what it waits for until then', async () => {
    const db = createDb(url(), 2);
    try {
      await migrateLatest(db);
      expect((await cli('migrate', 'wait', '--timeout', '5')).code).toBe(0);
      await migrateRollback(db, false);
      const waiting = await cli('migrate', 'wait', '--timeout', '3');
      expect(waiting.code).not.toBe(0);
      expect(waiting.out).toMatch(/still lacks \d+ migration/);
      await migrateLatest(db);
    } finally {
      await db.destroy();
    }
  }, 60_000);
});
