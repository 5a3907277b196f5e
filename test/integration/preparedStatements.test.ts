import { findApiKeyByHash, insertApiKeyWithin } from '../../src/db/apiKeys';
import { createDb, type Db } from '../../src/db/knex';
import { findLead, insertReceivedLead } from '../../src/db/leads';
import { createOrg } from '../../src/db/orgs';
import { hashToken } from '../../src/services/apiKeys';
import { ownDatabase } from '../helpers/database';

// A database of its own: the test adds columns to tables, as a migration does under running processes.
let database: Awaited<ReturnType<typeof ownDatabase>>;
beforeAll(async () => {
  database = await ownDatabase('prepared');
});
afterAll(() => database.drop());

/** One connection, so every statement runs in the session whose prepared statements are inspected. */
async function withDb<T>(opts: { preparedStatements?: boolean }, run: (db: Db) => Promise<T>): Promise<T> {
  const db = createDb(database.url, 1, opts);
  try {
    return await run(db);
  } finally {
    await db.destroy();
  }
}

/** What every lead costs the database: its key looked up, the lead stored, the lead read back. */
async function oneLead(db: Db, orgId: string, token: string, i: number) {
  const key = await findApiKeyByHash(db, hashToken(token));
  const stored = await insertReceivedLead(db, orgId, { email: `lead${i}@acme.io`, first_name: 'Ada' }, undefined);
  const read = await findLead(db, orgId, stored!.id);
  return { key, stored, read };
}

async function preparedNames(db: Db): Promise<string[]> {
  const { rows } = await db.raw<{ rows: Array<{ name: string }> }>("SELECT name FROM pg_prepared_statements WHERE name LIKE 'routeswit_%' ORDER BY name");
  return rows.map((r) => r.name);
}

async function orgWithKey(db: Db, token: string) {
  const org = await createOrg(db, 'prepared statements');
  await insertApiKeyWithin(db, Infinity, { id: `key_${Date.now()}_${token.slice(-6)}`, org_id: org.id, name: 'k', kind: 'SECRET', token_hash: hashToken(token), token_hint: 'x', scopes: [] });
  return org.id;
}

describe("the statements every lead runs", () => {
  it('are prepared once per connection, and keep working when a migration adds columns under the running process', async () => {
    await withDb({}, async (db) => {
      const token = `sk_live_${'a'.repeat(34)}prep01`;
      const orgId = await orgWithKey(db, token);
      await oneLead(db, orgId, token, 1);
      await oneLead(db, orgId, token, 2);
      expect(await preparedNames(db)).toEqual(['routeswit_find_api_key', 'routeswit_find_lead', 'routeswit_insert_received_lead']);

      // A prepared `SELECT *` fails from here on with "cached plan must not change result type".
      await db.raw('ALTER TABLE leads ADD COLUMN added_by_a_later_release text');
      await db.raw('ALTER TABLE api_keys ADD COLUMN added_by_a_later_release text');
      const after = await oneLead(db, orgId, token, 3);
      expect(after.key).toMatchObject({ org_id: orgId, kind: 'SECRET' });
      expect(after.stored).toMatchObject({ email: 'lead3@acme.io', first_name: 'Ada', status: 'ROUTING' });
      expect(after.read).toEqual(after.stored);
    });
  });

  it('are not prepared when DATABASE_PREPARED_STATEMENTS is false (a pooler that cannot keep them)', async () => {
    await withDb({ preparedStatements: false }, async (db) => {
      const token = `sk_live_${'b'.repeat(34)}prep02`;
      const orgId = await orgWithKey(db, token);
      const { key, read } = await oneLead(db, orgId, token, 4);
      expect(key?.org_id).toBe(orgId);
      expect(read?.email).toBe('lead4@acme.io');
      expect(await preparedNames(db)).toEqual([]);
    });
  });
});
