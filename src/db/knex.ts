import fs from 'node:fs';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import type { Config } from '../config';

export type Db = Knex;

// COUNT(*) and SUM() come back as int8; our counts fit comfortably in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number.parseFloat(v));

export interface DbOptions {
  /** DATABASE_PREPARED_STATEMENTS: false behind a pooler that cannot keep them (see `prepared`). */
  preparedStatements?: boolean;
  /** DATABASE_SSL_CA_FILE's certificates: the server's certificate is verified against them, and its name (verify-full). */
  sslCa?: string;
  /**
   * Session limits, sent when each connection opens (0 or absent: not sent, the server's or role's own apply):
   * a statement, a wait for a lock, and a transaction left idle are cut off instead of holding rows and
   * connections for ever.
   */
  timeouts?: { statementMs?: number; lockMs?: number; idleInTransactionMs?: number };
  /** Shown in pg_stat_activity: which process a connection belongs to. */
  applicationName?: string;
}

/** The configurations (shared by a Db and its transactions) whose statements are never prepared. */
const unprepared = new WeakSet<object>();

/** The URL without its TLS parameters: node-postgres would let them override an explicit `ssl`. */
function withoutSslParams(url: string): string {
  const u = new URL(url);
  for (const name of [...u.searchParams.keys()]) if (name.startsWith('ssl')) u.searchParams.delete(name);
  return u.toString();
}

function connectionOf(url: string, opts: DbOptions): Knex.PgConnectionConfig {
  const t = opts.timeouts ?? {};
  return {
    connectionString: opts.sslCa ? withoutSslParams(url) : url,
    application_name: opts.applicationName ?? 'routeswit',
    ...(t.statementMs ? { statement_timeout: t.statementMs } : {}),
    ...(t.lockMs ? { lock_timeout: t.lockMs } : {}),
    ...(t.idleInTransactionMs ? { idle_in_transaction_session_timeout: t.idleInTransactionMs } : {}),
    // With a CA the connection is TLS, and both the chain and the host name are checked (sslmode=verify-full);
    // without one, sslmode and sslrootcert in DATABASE_URL decide, as node-postgres reads them.
    ...(opts.sslCa ? { ssl: { ca: opts.sslCa, rejectUnauthorized: true } } : {}),
  };
}

/** The database as a process's settings describe it (DATABASE_*), for the API, the worker and the CLI. */
export type DbConfig = Pick<Config, 'DATABASE_URL' | 'DATABASE_POOL_MAX' | 'DATABASE_PREPARED_STATEMENTS' | 'DATABASE_SSL_CA_FILE' | 'DATABASE_STATEMENT_TIMEOUT_MS' | 'DATABASE_LOCK_TIMEOUT_MS' | 'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS'>;

export function dbFromConfig(config: DbConfig, opts: { url?: string; poolMax?: number; applicationName: string; statementTimeout?: boolean }): Db {
  return createDb(opts.url ?? config.DATABASE_URL, opts.poolMax ?? config.DATABASE_POOL_MAX, {
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
    sslCa: config.DATABASE_SSL_CA_FILE ? fs.readFileSync(config.DATABASE_SSL_CA_FILE, 'utf8') : undefined,
    timeouts: {
      // Schema changes (an index built over a large table) may run long; they still give up waiting for locks.
      statementMs: opts.statementTimeout === false ? 0 : config.DATABASE_STATEMENT_TIMEOUT_MS,
      lockMs: config.DATABASE_LOCK_TIMEOUT_MS,
      idleInTransactionMs: config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    },
    applicationName: opts.applicationName,
  });
}

export function createDb(url: string, poolMax = 10, opts: DbOptions = {}): Db {
  const db = knexFactory({
    client: 'pg',
    connection: connectionOf(url, opts),
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 10_000,
  });
  if (opts.preparedStatements === false) unprepared.add(db.client.config as object);
  if (process.env.QUERY_COUNT_FILE) countQueries(db, process.env.QUERY_COUNT_FILE);
  return db;
}

/**
 * Every column of `Row`, named for a statement that must not say `*` (see `prepared`). A field of `Row` missing
 * from the list fails to compile, so a column added to the row type cannot be left out of the statement.
 */
export function columnsOf<Row>() {
  return <const C extends ReadonlyArray<keyof Row>>(...columns: C): [Exclude<keyof Row, C[number]>] extends [never] ? C : { missing: Exclude<keyof Row, C[number]> } =>
    columns as never;
}

/**
 * Runs `query` as the prepared statement `name` on each pooled connection: Postgres plans it once per
 * connection rather than on every run. Only for statements every lead runs (planning the lead insert cost
 * about 1 ms of Postgres CPU per lead, a quarter of all its Postgres time). The text must not vary from
 * call to call, and the result must name its columns: a prepared `SELECT *` fails ("cached plan must not
 * change result type") once a migration adds a column under a running process. A pooler in transaction mode
 * must keep prepared statements (PgBouncer 1.21+ with max_prepared_statements), or the setting is turned off.
 */
export function prepared<Q extends { options(o: Readonly<Record<string, unknown>>): Q }>(conn: Db | Knex.Transaction, name: string, query: Q): Q {
  return unprepared.has(conn.client.config as object) ? query : query.options({ name: `routeswit_${name}` });
}

/**
 * Benchmark instrumentation (`npm run bench` sets QUERY_COUNT_FILE for the processes it starts): every
 * statement this process sends to Postgres is counted, and the running total written to the file each second,
 * so queries per lead can be read from outside.
 */
function countQueries(db: Db, file: string): void {
  let queries = 0;
  db.on('query', () => {
    queries++;
  });
  const target = `${file}.${process.pid}`;
  setInterval(() => {
    try {
      fs.writeFileSync(target, String(queries));
    } catch {
      // the benchmark's folder went away: nothing to report to
    }
  }, 1000).unref();
}

/** Postgres error codes we map to API answers rather than 500s. */
export const PG = {
  UNIQUE_VIOLATION: '23505',
  FOREIGN_KEY_VIOLATION: '23503',
  SERIALIZATION_FAILURE: '40001',
  DEADLOCK: '40P01',
} as const;

export function pgCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

export function pgConstraint(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'constraint' in err
    ? String((err as { constraint: unknown }).constraint)
    : undefined;
}

/**
 * Whether Postgres answers a new connection now. Outside the pool: after an outage hundreds of requests wait
 * for a pooled connection, and a probe queued behind them would call a live database dead (the chaos suite's
 * ten-minute outage measured 19.6 s of that).
 */
export async function ping(db: Db, timeoutMs = 2000): Promise<void> {
  const connection = db.client.config.connection as string | pg.ClientConfig;
  const client = new pg.Client({ ...(typeof connection === 'string' ? { connectionString: connection } : connection), connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}
