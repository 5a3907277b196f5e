import pg from 'pg';
import { createDb } from '../../src/db/knex';
import { migrateLatest, migrateRollback, migrationStatus } from '../../src/db/migrate';

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
