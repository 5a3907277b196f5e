import { loadConfig } from '../config';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { createDb } from '../db/knex';
import { createTemporal } from '../temporal/client';
import { migrateLatest } from '../db/migrate';
import { resolveDatabase, type ResolvedDatabase } from './postgres';
import { freePort, portIsFree, startDevServer, stopChild, type DevServer } from './temporalServer';
import { ensureTemporalCli, projectRoot } from './tools';
import { generateKeySpec } from '../crypto/keyring';

/** A development key, made on first start and kept (mode 600) beside the dev database: never for production. */
function developmentEncryptionKeys(dataDir: string): string {
  const file = path.join(dataDir, 'encryption-keys');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(dataDir, { recursive: true });
  const spec = generateKeySpec('dev1');
  fs.writeFileSync(file, `${spec}\n`, { mode: 0o600 });
  return spec;
}

/**
 * The whole product as separate processes on one machine: Temporal dev server, Postgres (resolved as the dev
 * launcher does), the worker and the API. `npm run dev`, the load benchmark and the chaos suite all run it;
 * the latter two kill and restart its parts.
 */
export interface StackOptions {
  dataDir: string;
  /** Database name when the stack picks the database itself (not DATABASE_URL). */
  databaseName?: string;
  /** Use this Temporal server instead of starting one. */
  temporalAddress?: string;
  /** SQLite file for the Temporal dev server; null keeps its state in memory. */
  temporalDbFile?: string | null;
  temporalPort?: number;
  /** null: no Web UI. */
  temporalUiPort?: number | null;
  apiPort?: number;
  env?: NodeJS.ProcessEnv;
  /** Each line a child process prints, with the child's name. */
  onLine?: (name: string, line: string) => void;
  /** Told when a preferred port is taken and another one is used instead. */
  onNote?: (message: string) => void;
  /**
   * Run the worker and API from this compiled folder (`dist/src`, made by `npm run compile`) rather than from
   * the sources the stack itself was loaded from: what a benchmark should measure is what production runs.
   */
  compiledSrc?: string;
  /** How many worker processes (default 1): they share one task queue, as replicas on a cluster do. */
  workers?: number;
  /** How many API processes (default 1), each on a port of its own (`baseUrls`). */
  apis?: number;
  /** Extra node flags for the worker and API processes (the benchmark's --profile: --cpu-prof). */
  nodeArgs?: string[];
}

/**
 * `preferred` if nobody holds it, else a free port (and a note saying so): a second stack on this machine
 * runs beside the first on its own ports instead of joining its Temporal server.
 */
async function portFor(what: string, preferred: number | undefined, note: (m: string) => void): Promise<number> {
  if (preferred === undefined) return freePort();
  if (await portIsFree(preferred)) return preferred;
  const port = await freePort();
  note(`port ${preferred} (${what}) is taken by another process, perhaps another Routeswit stack: this one uses ${port} instead`);
  return port;
}

export class Stack {
  temporal?: DevServer;
  database!: ResolvedDatabase;
  temporalAddress!: string;
  uiUrl: string | null = null;
  apiPort!: number;
  /** One port per API replica; the first is `apiPort`. */
  apiPorts: number[] = [];
  /** The worker and API processes, by replica number (the latest started for each). */
  workers: ChildProcess[] = [];
  apis: ChildProcess[] = [];
  private temporalBinary?: string;
  /** ENCRYPTION_KEYS from the environment, else a development key kept in the data folder. */
  encryptionKeys!: string;
  private stopping = false;

  constructor(readonly opts: StackOptions) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  /** Every API replica's address; a benchmark spreads its load across them. */
  get baseUrls(): string[] {
    return this.apiPorts.map((port) => `http://127.0.0.1:${port}`);
  }

  /** The first worker and API (the only ones unless `workers`/`apis` asked for more). */
  get worker(): ChildProcess | null {
    return this.workers[0] ?? null;
  }

  get api(): ChildProcess | null {
    return this.apis[0] ?? null;
  }

  /** The environment the worker and API run with. */
  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      NODE_ENV: process.env.NODE_ENV ?? 'development',
      ...this.opts.env,
      DATABASE_URL: this.database.url,
      ENCRYPTION_KEYS: this.encryptionKeys,
      TEMPORAL_ADDRESS: this.temporalAddress,
      ...(this.uiUrl ? { TEMPORAL_UI_URL: this.uiUrl } : {}),
      PORT: String(this.apiPort),
    };
  }

  async startInfrastructure(log: (m: string) => void): Promise<void> {
    this.database = await resolveDatabase(this.opts.dataDir, log, this.opts.databaseName);
    this.encryptionKeys = process.env.ENCRYPTION_KEYS ?? developmentEncryptionKeys(this.opts.dataDir);
    this.apiPort = this.opts.apiPort ?? (await freePort());
    if (!(await portIsFree(this.apiPort))) throw new Error(`port ${this.apiPort} (the API) is taken by another process: stop it, or set PORT to another port`);
    this.apiPorts = [this.apiPort];
    while (this.apiPorts.length < (this.opts.apis ?? 1)) this.apiPorts.push(await freePort());
    if (this.opts.temporalAddress) {
      this.temporalAddress = this.opts.temporalAddress;
    } else {
      await this.startTemporal();
    }
    const db = createDb(this.database.url, 2);
    try {
      await migrateLatest(db);
    } finally {
      await db.destroy();
    }
  }

  async startTemporal(): Promise<void> {
    this.temporalBinary ??= ensureTemporalCli();
    const note = this.opts.onNote ?? (() => undefined);
    // No port asked for: the dev server picks a free one (and another if that is taken before it binds).
    const port = this.opts.temporalPort === undefined ? undefined : await portFor('Temporal', this.opts.temporalPort, note);
    const uiPort = this.opts.temporalUiPort === undefined || this.opts.temporalUiPort === null ? null : await portFor('Temporal Web UI', this.opts.temporalUiPort, note);
    if (uiPort !== null) this.opts.temporalUiPort = uiPort;
    this.temporal = await startDevServer({
      binary: this.temporalBinary,
      dbFile: this.opts.temporalDbFile ?? undefined,
      ip: '127.0.0.1',
      port,
      uiPort,
      uiCodecEndpoint: `${this.baseUrl}/codec`,
    });
    this.temporalAddress = this.temporal.address;
    // Remembered: a restart (the chaos suite's) comes back on the same ports.
    this.opts.temporalPort = Number(this.temporal.address.split(':').pop());
    this.uiUrl = this.temporal.uiUrl;
  }

  async stopTemporal(): Promise<void> {
    await this.temporal?.stop();
  }

  private spawnNode(name: string, entry: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
    const src = this.opts.compiledSrc ?? path.resolve(__dirname, '..');
    const ext = this.opts.compiledSrc ? '.js' : path.extname(__filename);
    const file = path.join(src, entry.replace(/\.ts$/, ext));
    const args = [...(this.opts.nodeArgs ?? []), ...(ext === '.js' ? [file] : ['--import', 'tsx', file])];
    const child = spawn(process.execPath, args, { env: { ...this.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], cwd: projectRoot() });
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => this.opts.onLine?.(name, line));
    }
    return child;
  }

  /** Starts worker replica `i` (again, after a kill). */
  startWorker(i = 0): ChildProcess {
    const child = this.spawnNode(i ? `worker${i + 1}` : 'worker', 'worker/main.ts');
    this.workers[i] = child;
    return child;
  }

  /** Starts API replica `i` (again, after a kill) on its own port. */
  startApi(i = 0): ChildProcess {
    const child = this.spawnNode(i ? `api${i + 1}` : 'api', 'api/main.ts', { PORT: String(this.apiPorts[i]) });
    this.apis[i] = child;
    return child;
  }

  /** Every replica the options ask for. */
  startAll(): ChildProcess[] {
    const workers = Array.from({ length: this.opts.workers ?? 1 }, (_, i) => this.startWorker(i));
    return [...workers, ...this.apiPorts.map((_, i) => this.startApi(i))];
  }

  /** Resolves when GET /readyz answers 200 on every API replica. */
  async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const url of this.baseUrls) {
      for (;;) {
        try {
          const res = await fetch(`${url}/readyz`);
          if (res.ok) break;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`the API at ${url} was not ready within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** Resolves once a worker polls the task queue: a diagnostics workflow completes a round trip. */
  async waitForWorker(timeoutMs = 90_000): Promise<void> {
    // The stack's processes read the same environment: the test connects as they do.
    const temporal = createTemporal(loadConfig({ ...this.env, ENCRYPTION_KEYS: this.encryptionKeys }));
    try {
      await temporal.client.workflow.execute('diagnosticsWorkflow', {
        taskQueue: temporal.taskQueue,
        workflowId: `stack-ready-${Date.now()}-${Math.random().toString(36).slice(2)}`,
        workflowExecutionTimeout: `${Math.round(timeoutMs / 1000)} seconds`,
      });
    } finally {
      await temporal.close();
    }
  }

  /** Stops replica `i` of the worker or the API with `signal` (SIGKILL: no chance to clean up). */
  kill(which: 'worker' | 'api', signal: NodeJS.Signals = 'SIGKILL', i = 0): Promise<void> {
    const child = (which === 'worker' ? this.workers : this.apis)[i];
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await Promise.all([...this.workers, ...this.apis].map((c) => stopChild(c)));
    await this.temporal?.stop();
    await this.database?.stop();
  }
}
