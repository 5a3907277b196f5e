import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startDevServer } from '../../src/dev/temporalServer';
import { ensureConsoleBuilt } from '../../src/dev/console';
import { ensureTemporalCli, ensureTestServer, projectRoot } from '../../src/dev/tools';
import { bundleOptions, tracedBundlePath } from '../../src/worker/worker';
import { freshDatabase } from '../helpers/database';

/**
 * One fresh database and one Temporal dev server for the whole run; test files share them and isolate
 * themselves by creating their own organization. The workflow bundle is built once here so that each
 * test's worker starts in milliseconds instead of seconds.
 */
export default async function globalSetup(): Promise<void> {
  const cli = ensureTemporalCli();
  // The browser tests drive the console as users get it: built, served by the API.
  ensureConsoleBuilt();
  process.env.TEMPORAL_TEST_SERVER_PATH ??= ensureTestServer();
  process.env.TEMPORAL_CLI_PATH ??= cli;

  const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/routeswit_test';
  await freshDatabase(url);
  process.env.DATABASE_URL = url;

  const server = await startDevServer({ binary: cli, uiPort: null });
  process.env.TEMPORAL_ADDRESS = server.address;
  (globalThis as { __temporalServer?: typeof server }).__temporalServer = server;

  const artifacts = path.join(projectRoot(), 'test', 'artifacts');
  fs.mkdirSync(artifacts, { recursive: true });
  const bundlePath = path.join(artifacts, 'workflow-bundle.js');
  // Both as `npm run build` makes them: the traced one is replayed too, and run by the tracing test.
  for (const [file, traced] of [[bundlePath, false], [tracedBundlePath(bundlePath), true]] as const) {
    fs.writeFileSync(file, (await bundleWorkflowCode({ ...bundleOptions(traced), logger: quietLogger })).code);
  }
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;

  // A certificate for local HTTPS receivers (a Slack-format webhook): trusted by the stack under test through
  // OUTBOUND_CA_FILE, as an operator would trust a private CA.
  const tls = path.join(artifacts, 'tls');
  fs.mkdirSync(tls, { recursive: true });
  const [cert, key] = [path.join(tls, 'cert.pem'), path.join(tls, 'key.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  process.env.OUTBOUND_CA_FILE = cert;
  process.env.TEST_TLS_CERT = cert;
  process.env.TEST_TLS_KEY = key;
}

const noop = () => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };
