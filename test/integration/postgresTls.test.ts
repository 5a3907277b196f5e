import { createDb } from '../../src/db/knex';
import { migrateLatest } from '../../src/db/migrate';
import { dbFromConfig } from '../../src/db/knex';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/privatePostgres';
import { testConfig } from '../helpers/stack';
import { testPki, type TestPki } from '../helpers/tlsProxy';

/**
 * Issue 27: a managed Postgres (RDS, Cloud SQL) with `verify-full`: TLS, the server's chain checked against the
 * CA in DATABASE_SSL_CA_FILE, and its name against the host Routeswit connects to. A Postgres of the test's own
 * takes TLS connections only, with a certificate for "localhost" signed by a CA made here.
 */
let pki: TestPki;
let pg: PrivatePostgres;

beforeAll(async () => {
  pki = testPki();
  pg = await startPrivatePostgres({ tls: pki.issue('localhost'), hostname: 'localhost' });
}, 60_000);
afterAll(() => pg?.stop());

const database = (overrides: Record<string, string>) => dbFromConfig(testConfig(overrides), { poolMax: 2, applicationName: 'routeswit-tls-test' });

it('migrates and answers over TLS with the certificate and the host name verified (DATABASE_SSL_CA_FILE)', async () => {
  const db = database({ DATABASE_URL: pg.url(), DATABASE_SSL_CA_FILE: pki.caCert });
  try {
    await migrateLatest(db);
    const { rows } = await db.raw('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    expect(rows[0].ssl).toBe(true);
    expect((await db('organizations').count<{ count: number }[]>('* as count'))[0]!.count).toBe(0);
  } finally {
    await db.destroy();
  }
}, 60_000);

it('refuses a server whose certificate another CA signed', async () => {
  const other = testPki();
  const db = database({ DATABASE_URL: pg.url(), DATABASE_SSL_CA_FILE: other.caCert });
  try {
    await expect(db.raw('SELECT 1')).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  } finally {
    await db.destroy();
  }
});

it('refuses a server whose certificate names another host (verify-full, not verify-ca)', async () => {
  const byAddress = pg.url().replace('@localhost:', '@127.0.0.2:');
  const db = database({ DATABASE_URL: byAddress, DATABASE_SSL_CA_FILE: pki.caCert });
  try {
    await expect(db.raw('SELECT 1')).rejects.toThrow(/altnames|does not match|hostname|IP: 127\.0\.0\.2/i);
  } finally {
    await db.destroy();
  }
});

it('refuses plain connections: the server takes TLS only', async () => {
  const db = createDb(pg.url(), 1);
  try {
    await expect(db.raw('SELECT 1')).rejects.toThrow(/no pg_hba.conf entry|SSL off|rejects/i);
  } finally {
    await db.destroy();
  }
});
