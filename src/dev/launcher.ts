import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { loadConfigOrExit } from '../config';
import { createDb } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import { ensureDevIdentity } from './bootstrap';
import { resolveDatabase, type ResolvedDatabase } from './postgres';
import { startDevServer, stopChild, type DevServer } from './temporalServer';
import { dataDir, ensureTemporalCli, projectRoot } from './tools';

/**
 * `npm run dev`: the whole product on one machine with no configuration. Starts what is missing (Temporal
 * dev server, Postgres), migrates, creates a dev key, then runs the worker and the API as child processes.
 * Ctrl-C stops everything it started and nothing it did not.
 */
const say = (m: string) => process.stdout.write(`[dev] ${m}\n`);

function runChild(name: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  const compiled = entry.endsWith('.js');
  const args = compiled ? [entry] : ['--import', 'tsx', entry];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: projectRoot() });
  for (const stream of [child.stdout!, child.stderr!]) {
    readline.createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[${name}] ${line}\n`));
  }
  return child;
}

async function main(): Promise<void> {
  const root = projectRoot();
  const data = dataDir();
  const ext = path.extname(__filename);
  const config = loadConfigOrExit({ NODE_ENV: 'development', ...process.env });

  let temporal: DevServer | undefined;
  let database: ResolvedDatabase | undefined;
  const children: ChildProcess[] = [];
  let stopping = false;

  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await Promise.all(children.map((c) => stopChild(c)));
    if (temporal) await temporal.stop();
    if (database) await database.stop();
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    database = await resolveDatabase(data, say);
    say(`Postgres: ${database.source} (${database.url.replace(/:[^:@/]*@/, ':***@')})`);

    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    let uiUrl = config.TEMPORAL_UI_URL;
    if (temporalAddress) {
      say(`Temporal: using ${temporalAddress} (TEMPORAL_ADDRESS is set; starting none)`);
    } else {
      const binary = ensureTemporalCli();
      const dbFile = path.join(data, 'temporal.sqlite');
      say(`starting Temporal dev server (state in ${path.relative(root, dbFile)})`);
      temporal = await startDevServer({ binary, dbFile, ip: '127.0.0.1', port: 7233, uiPort: 8233, namespace: config.TEMPORAL_NAMESPACE });
      temporalAddress = temporal.address;
      uiUrl = temporal.uiUrl ?? uiUrl;
    }

    const db = createDb(database.url, 2);
    const applied = await migrateLatest(db);
    say(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema up to date');
    const identity = await ensureDevIdentity(db, data);
    await db.destroy();

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: config.NODE_ENV,
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_UI_URL: uiUrl,
      PORT: String(config.PORT),
    };
    const srcDir = path.resolve(__dirname, '..');
    children.push(runChild('worker', path.join(srcDir, 'worker', `main${ext}`), env));
    children.push(runChild('api', path.join(srcDir, 'api', `main${ext}`), env));
    for (const child of children) {
      child.on('exit', (code, signal) => {
        if (stopping) return;
        say(`a child process exited (${signal ?? `code ${code}`}); stopping the stack`);
        void shutdown(1);
      });
    }

    const base = `http://localhost:${config.PORT}`;
    say('');
    say(`API:             ${base}  (OpenAPI: ${base}/v1/openapi.json)`);
    say(`Temporal Web UI: ${uiUrl}`);
    say(`Organization:    ${identity.orgName} ${identity.orgId}${identity.created ? ' (created now)' : ''}`);
    say(`Secret key:      ${identity.key}  (also in .data/dev-api-key)`);
    say(`Try:             curl -H "Authorization: Bearer $(cat .data/dev-api-key)" ${base}/v1/reps`);
    say('Ctrl-C stops everything.');
  } catch (err) {
    say(`failed to start: ${(err as Error).message}`);
    await shutdown(1);
  }
}

void main();
