import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import pg from 'pg';
import { LOCAL_ADMIN_URL } from '../../src/dev/postgres';
import { Stack, type StackOptions } from '../../src/dev/stack';
import { dataDir } from '../../src/dev/tools';
import { WORKFLOWS_PATH } from '../../src/worker/worker';

const noop = () => undefined;
const quiet = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };

/**
 * The bench database dropped, when it is the local server's: a run must not inherit an earlier run's outbox
 * (its deliveries re-driven 20 minutes later, to receivers long gone, loaded a later run's two cores).
 */
async function dropBenchDatabase(name: string): Promise<void> {
  if (process.env.DATABASE_URL) return;
  const client = new pg.Client({ connectionString: LOCAL_ADMIN_URL });
  try {
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } catch {
    // No local server: the stack starts an embedded one, with the database as it is.
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A whole stack of its own for a benchmark (Temporal dev server, Postgres database, worker, API), running a
 * prebuilt workflow bundle as production does, ready to take leads; on a database of its own, emptied first
 * unless `keepDatabase`. Stopped on Ctrl-C; the caller stops it otherwise.
 */
export async function startBenchStack(name: string, log: (m: string) => void, opts: Partial<StackOptions> = {}, keepDatabase = false): Promise<Stack> {
  if (!keepDatabase) await dropBenchDatabase(`routeswit_bench_${name}`);
  const stack = new Stack({
    dataDir: path.join(dataDir(), 'bench'),
    databaseName: `routeswit_bench_${name}`,
    temporalDbFile: null,
    temporalUiPort: null,
    ...opts,
    env: { LOG_LEVEL: 'warn', NODE_ENV: 'production', REQUIRE_HTTPS: 'false', RATE_LIMIT_PER_SECOND: '0', ...opts.env },
    onLine: (who, line) => {
      if (/"level":(50|60)/.test(line)) process.stderr.write(`[${who}] ${line}\n`);
    },
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stack.stop().then(() => process.exit(130)));
  log('starting the stack (Temporal dev server, worker, API)…');
  try {
    await stack.startInfrastructure(log);
    const bundlePath = path.join(dataDir(), 'bench', `workflow-bundle-${name}.js`);
    fs.mkdirSync(path.dirname(bundlePath), { recursive: true });
    fs.writeFileSync(bundlePath, (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet })).code);
    stack.opts.env = { ...stack.opts.env, WORKFLOW_BUNDLE_PATH: bundlePath };
    stack.startAll();
    await stack.waitUntilReady();
    await stack.waitForWorker();
    return stack;
  } catch (err) {
    // A stack that never became ready must not be left polling the database through later runs.
    await stack.stop();
    throw err;
  }
}
