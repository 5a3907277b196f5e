import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config';
import { createDb } from '../../src/db/knex';
import { SEARCH_ATTRIBUTE_TYPE_NAMES } from '../../src/lead/searchAttributes';
import { startDevServer, type DevServer } from '../../src/dev/temporalServer';
import { CHECK_JSONSCHEMA, ensurePythonTool, ensureTemporalCli } from '../../src/dev/tools';

/**
 * The production compose stack cannot run here (no Docker engine), so its parts are checked one by one: the
 * file against the compose-spec schema and the settings production needs, the database init script on the
 * real Postgres, the namespace setup script on a fresh Temporal server.
 */
const root = path.resolve(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true });
/** Compose's interpolation with nothing set in .env: defaults apply, required values stand in as "set". */
const interpolated = (env: Record<string, string>) =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{\w+(?::-([^}]*)|:\?[^}]*)\}/g, (_, d?: string) => d ?? 'set')]));
const services = compose.services as Record<string, any>;

describe('docker-compose.yml', () => {
  it('is valid by the compose specification schema', () => {
    const tool = ensurePythonTool(CHECK_JSONSCHEMA);
    const r = spawnSync(tool.command, [...tool.args, '--builtin-schema', 'vendor.compose-spec', path.join(root, 'docker-compose.yml')], { env: tool.env, encoding: 'utf8' });
    expect({ status: r.status, out: r.stdout.trim() }).toEqual({ status: 0, out: 'ok -- validation done' });
  });

  it('has no default password and gives Temporal and Routeswit database users of their own', () => {
    const text = read('docker-compose.yml');
    for (const secret of ['POSTGRES_PASSWORD', 'TEMPORAL_DB_PASSWORD', 'ROUTESWIT_DB_PASSWORD', 'ROUTESWIT_ENCRYPTION_KEYS']) {
      expect(text).toMatch(new RegExp(`\\$\\{${secret}:\\?`));
      expect(text).not.toMatch(new RegExp(`\\$\\{${secret}:-`));
    }
    expect(services.temporal.environment.POSTGRES_USER).toBe('temporal');
    expect(services.worker.environment.DATABASE_URL).toMatch(/^postgres:\/\/routeswit:/);
    expect(services.postgres.volumes).toContain('./deploy/postgres/init-users.sh:/docker-entrypoint-initdb.d/10-users.sh:ro');
  });

  it('binds the Web UI and metrics to this host only, and keeps dev-only settings out of production', () => {
    expect(services['temporal-ui'].ports).toEqual([expect.stringMatching(/^127\.0\.0\.1:/)]);
    for (const name of ['temporal', 'worker']) for (const p of services[name].ports) expect(p).toMatch(/^127\.0\.0\.1:/);
    const dynamic = parse(read('deploy/temporal/dynamicconfig/production.yaml')) as Record<string, unknown>;
    expect(Object.keys(dynamic)).not.toContain('system.forceSearchAttributesCacheRefreshOnRead');
  });

  it('checks the worker health and gives it longer to stop than it takes at most', () => {
    const worker = services.worker;
    expect(worker.healthcheck.test).toEqual(['CMD', 'node', 'dist/src/worker/healthcheck.js']);
    const config = loadConfig({ ...interpolated(worker.environment), DATABASE_URL: 'postgres://x@y/z', ENCRYPTION_KEYS: undefined, NODE_ENV: 'development' });
    expect(config.WORKER_HEALTH_PORT).toBe(3100);
    const grace = Number(/^(\d+)s$/.exec(worker.stop_grace_period)![1]);
    expect(grace).toBeGreaterThan(config.WORKER_SHUTDOWN_FORCE_SECONDS + 5);
  });

  it('builds on a supported Node (22 or later)', () => {
    const froms = [...read('Dockerfile').matchAll(/^FROM node:(\d+)/gm)].map((m) => Number(m[1]));
    expect(froms.length).toBeGreaterThan(0);
    for (const major of froms) expect(major).toBeGreaterThanOrEqual(22);
  });
});

describe('deploy/postgres/init-users.sh', () => {
  const suffix = `${process.pid}_${Date.now()}`;
  const [t, r] = [`t_${suffix}`, `r_${suffix}`];
  const admin = createDb('postgres://postgres@127.0.0.1:5432/postgres', 1);
  afterAll(async () => {
    for (const db of [t, `${t}_visibility`, r]) await admin.raw('DROP DATABASE IF EXISTS ??', [db]);
    for (const role of [t, r]) await admin.raw('DROP ROLE IF EXISTS ??', [role]);
    await admin.destroy();
  });
  const run = () =>
    execFileSync('sh', [path.join(root, 'deploy/postgres/init-users.sh')], {
      env: { ...process.env, POSTGRES_USER: 'postgres', PGHOST: '127.0.0.1', TEMPORAL_DB_PASSWORD: "it's-t", ROUTESWIT_DB_PASSWORD: 'r-pw', TEMPORAL_DB_USER: t, ROUTESWIT_DB_USER: r },
      encoding: 'utf8',
    });

  it('makes two non-superusers each owning only their databases, and can run again', async () => {
    run();
    expect(run()).toContain(`database users ${t} and ${r} ready`);
    const owners = await admin.raw('SELECT datname, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname IN (?, ?, ?) ORDER BY datname', [r, t, `${t}_visibility`]);
    expect(owners.rows).toEqual([
      { datname: r, owner: r },
      { datname: t, owner: t },
      { datname: `${t}_visibility`, owner: t },
    ]);
    const roles = await admin.raw('SELECT rolname, rolsuper, rolcreatedb FROM pg_roles WHERE rolname IN (?, ?) ORDER BY rolname', [r, t]);
    expect(roles.rows).toEqual([
      { rolname: r, rolsuper: false, rolcreatedb: false },
      { rolname: t, rolsuper: false, rolcreatedb: false },
    ]);
    const connect = async (user: string, database: string) => {
      const c = new Client({ host: '127.0.0.1', port: 5432, user, database });
      try {
        await c.connect();
        await c.query('SELECT 1');
        return 'ok';
      } catch (err) {
        return (err as Error).message;
      } finally {
        await c.end().catch(() => undefined);
      }
    };
    expect(await connect(r, r)).toBe('ok');
    expect(await connect(r, t)).toMatch(/permission denied/);
    expect(await connect(t, r)).toMatch(/permission denied/);
  });
});

describe('deploy/temporal/setup-namespace.sh', () => {
  let server: DevServer;
  const cli = ensureTemporalCli();
  beforeAll(async () => {
    server = await startDevServer({ binary: cli, uiPort: null });
  });
  afterAll(() => server.stop());

  it('registers every search attribute the code defines in a new namespace, and can run again', () => {
    const script = read('deploy/temporal/setup-namespace.sh');
    const listed = Object.fromEntries([...script.matchAll(/(Routeswit\w+):(\w+)/g)].map((m) => [m[1], m[2]]));
    expect(listed).toEqual(SEARCH_ATTRIBUTE_TYPE_NAMES);

    const namespace = `fresh-${process.pid}`;
    const env = { ...process.env, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: namespace, PATH: `${path.dirname(cli)}${path.delimiter}${process.env.PATH}` };
    const run = () => execFileSync('sh', [path.join(root, 'deploy/temporal/setup-namespace.sh')], { env, encoding: 'utf8', timeout: 120_000 });
    expect(run()).toContain(`namespace ${namespace} and search attributes ready`);
    expect(run()).toContain(`namespace ${namespace} and search attributes ready`);
    const list = execFileSync(cli, ['operator', 'search-attribute', 'list', '-n', namespace, '--address', server.address], { encoding: 'utf8' });
    for (const name of Object.keys(SEARCH_ATTRIBUTE_TYPE_NAMES)) expect(list).toContain(name);
    // Issue 31: histories are kept the 7 days docs/scaling.md sizes the database for.
    const described = JSON.parse(execFileSync(cli, ['operator', 'namespace', 'describe', '-n', namespace, '--address', server.address, '-o', 'json'], { encoding: 'utf8' }));
    expect(described.config.workflowExecutionRetentionTtl).toBe('604800s');
  });
});
