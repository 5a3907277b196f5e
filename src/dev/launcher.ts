import path from 'node:path';
import { loadConfigOrExit } from '../config';
import { createDb } from '../db/knex';
import { ensureDevIdentity, ensureDevOwner } from './bootstrap';
import { ensureConsoleBuilt } from './console';
import { startMailCapture } from './mailCapture';
import { Stack } from './stack';
import { dataDir } from './tools';

/**
 * `npm run dev`: the whole product on one machine with no configuration. Starts what is missing (Temporal
 * dev server, Postgres), migrates, creates a dev key, then runs the worker and the API as child processes.
 * Ctrl-C stops everything it started and nothing it did not.
 */
const say = (m: string) => process.stdout.write(`[dev] ${m}\n`);

async function main(): Promise<void> {
  const data = dataDir();
  const config = loadConfigOrExit({ NODE_ENV: 'development', ...process.env });
  // Without an SMTP server of your own, notifications go to a local capture: each shows here and on the
  // dashboard's Notifications panel.
  const capture = config.SMTP_URL ? null : await startMailCapture({ onMail: (m) => process.stdout.write(`[mail] to ${m.to.join(', ')}: ${m.subject}\n`) });
  const stack = new Stack({
    dataDir: data,
    temporalAddress: process.env.TEMPORAL_ADDRESS,
    temporalDbFile: path.join(data, 'temporal.sqlite'),
    temporalPort: 7233,
    temporalUiPort: 8233,
    apiPort: config.PORT,
    // On a developer's machine a webhook receiver on localhost is the usual first test: allow loopback here
    // (production default: public addresses only).
    env: { NODE_ENV: config.NODE_ENV, OUTBOUND_TARGETS: process.env.OUTBOUND_TARGETS ?? 'public,127.0.0.0/8,::1/128', ...(capture ? { SMTP_URL: capture.url } : {}) },
    onLine: (name, line) => process.stdout.write(`[${name}] ${line}\n`),
    onNote: say,
  });

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await stack.stop();
    await capture?.close();
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    if (process.env.TEMPORAL_ADDRESS) say(`Temporal: using ${process.env.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS is set; starting none)`);
    else say('starting the Temporal dev server (state in .data/temporal.sqlite)');
    if (ensureConsoleBuilt()) say('console built (dist/console)');
    await stack.startInfrastructure(say);
    say(`Postgres: ${stack.database.source} (${stack.database.url.replace(/:[^:@/]*@/, ':***@')}); schema up to date`);

    const db = createDb(stack.database.url, 2);
    const identity = await ensureDevIdentity(db, data);
    const owner = await ensureDevOwner(db, config, identity.orgId);
    await db.destroy();

    for (const child of [stack.startWorker(), stack.startApi()]) {
      child.on('exit', (code, signal) => {
        if (stopping) return;
        say(`a child process exited (${signal ?? `code ${code}`}); stopping the stack`);
        void shutdown(1);
      });
    }
    await stack.waitUntilReady();

    const base = `http://localhost:${config.PORT}`;
    say('');
    say(`API:             ${base}  (OpenAPI: ${base}/v1/openapi.json)`);
    say(`Playground:      ${base}/docs   Dashboard: ${base}/dashboard`);
    say(owner.acceptUrl ? `Sign in:         ${owner.acceptUrl.replace(config.PUBLIC_API_URL, base)}  (sets the password of ${owner.email}, the owner; works once)` : `Console:         ${base}/console  (sign in as ${owner.email})`);
    say(`Temporal Web UI: ${stack.uiUrl ?? config.TEMPORAL_UI_URL}  (lead data is encrypted; to read it there, start a session at ${stack.baseUrl}/codec`);
    say(`                 with an operator key: npm run routeswit -- keys create --operator)`);
    say(`Email:           ${capture ? `captured locally on ${capture.url} (no SMTP_URL): see [mail] lines and the dashboard's Notifications panel` : `through ${config.SMTP_URL!.replace(/:[^:@/]*@/, ':***@')}`}`);
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
