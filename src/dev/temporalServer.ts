import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_TYPE_NAMES } from '../lead/searchAttributes';

export interface DevServerOptions {
  binary: string;
  /** SQLite file; omitted means in-memory (tests). */
  dbFile?: string;
  ip?: string;
  port?: number;
  /** null disables the Web UI. */
  uiPort?: number | null;
  /** The API's codec endpoint, for the Web UI to decode encrypted payloads (src/api/codec.ts). */
  uiCodecEndpoint?: string;
  namespace?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Extra dynamic configuration (`--dynamic-config-value key=value`). */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** Receives the server's own output; default discards it. */
  output?: (chunk: string) => void;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Whether this process could listen on `port` now (nobody else holds it). */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntilServing(address: string, namespace: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.withDeadline(Date.now() + 2000, () => connection.workflowService.describeNamespace({ namespace }));
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`temporal dev server did not become ready at ${address}: ${(lastError as Error)?.message}`);
}

/**
 * Starts `temporal server start-dev` with Routeswit's search attributes registered, and resolves once the
 * namespace answers. Stopping sends SIGTERM, which lets SQLite close cleanly.
 */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  // A port that was free a moment ago can be taken before the server binds it (or one of the ports it derives
  // from it): with no port asked for, another free one is tried.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce({ ...opts, port: opts.port ?? (await freePort(opts.ip ?? '127.0.0.1')) });
    } catch (err) {
      if (opts.port !== undefined || attempt >= 3 || !(err instanceof ServerExited)) throw err;
    }
  }
}

class ServerExited extends Error {}

async function startOnce(opts: DevServerOptions & { port: number }): Promise<DevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port;
  const namespace = opts.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--namespace', namespace, '--log-level', opts.logLevel ?? 'warn'];
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  if (opts.uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort ?? port + 1000), '--ui-disable-news-fetch');
  if (opts.uiPort !== null && opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_TYPE_NAMES)) args.push('--search-attribute', `${name}=${type}`);
  // One machine, one worker: task-queue partitions only add hops between an idle poller and a waiting task.
  args.push('--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1', '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1');
  // Priority and fairness on the task queues: a lead someone waits for goes before bulk intake, and
  // organizations take turns (src/temporal/leads.ts, Lane), as compose's production dynamic config says too.
  args.push('--dynamic-config-value', 'matching.useNewMatcher=true', '--dynamic-config-value', 'matching.enableFairness=true');
  for (const [key, value] of Object.entries(opts.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);

  const child = spawn(opts.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const sink = opts.output ?? (() => undefined);
  let tail = '';
  const keep = (d: Buffer) => {
    sink(d.toString());
    tail = (tail + d.toString()).slice(-500);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const address = `${ip}:${port}`;
  try {
    await waitUntilServing(address, namespace, child, 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    if (child.exitCode !== null) throw new ServerExited(`${(err as Error).message}: ${tail.trim().split('\n').slice(-3).join(' | ')}`);
    throw err;
  }
  return {
    address,
    uiUrl: opts.uiPort === null ? null : `http://${ip === '0.0.0.0' ? 'localhost' : ip}:${opts.uiPort ?? port + 1000}`,
    process: child,
    stop: () => stopChild(child),
  };
}

export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
