import pg from 'pg';
import { createDb } from '../../src/db/knex';
import { migrateLatest } from '../../src/db/migrate';

/** Drops and recreates the database at `url`, then migrates it. */
export async function freshDatabase(url: string): Promise<void> {
  await admin(url, async (client, name) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  });
  const db = createDb(url, 2);
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
}

async function admin(url: string, run: (client: pg.Client, name: string) => Promise<void>): Promise<void> {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  target.pathname = '/postgres';
  const client = new pg.Client({ connectionString: target.toString() });
  await client.connect();
  try {
    await run(client, name);
  } finally {
    await client.end();
  }
}

/**
 * A database of the test file's own, for a suite that runs a Temporal server of its own: one database, one
 * Temporal service, as in production. On the shared test database such a suite's dispatcher took other
 * suites' wake requests and webhook deliveries and handed them to workflows on its own server (a waiting lead
 * was never woken; a delivery's workflow was not where its test looked).
 */
export async function ownDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `${url.pathname}_${label}_${process.pid}`;
  await freshDatabase(url.toString());
  return { url: url.toString(), drop: () => admin(url.toString(), async (client, name) => void (await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))) };
}
