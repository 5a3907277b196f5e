import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { routeswitDataConverter } from '../../src/temporal/codec';

export const CEILING_TASK_QUEUE = 'routeswit-bench-ceiling';

const noop = () => undefined;
const quiet = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };

/**
 * A worker for the benchmark's ceiling workflows, in the benchmark's process, on its own task queue of the
 * same Temporal server (with the same payload encryption as Routeswit's worker, so the two compare).
 */
export async function startCeilingWorker(address: string, encryptionKeys: string | undefined): Promise<{ stop(): Promise<void> }> {
  // The benchmark's output is its table: the SDK's worker state changes stay out of it.
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // installed already (a second ceiling worker in this process)
  }
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), logger: quiet });
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    taskQueue: CEILING_TASK_QUEUE,
    workflowBundle: { code },
    activities: { noop: async () => undefined },
    dataConverter: routeswitDataConverter(encryptionKeys),
  });
  const running = worker.run();
  return {
    async stop() {
      // The SDK's runtime stops its workers on SIGTERM by itself; then ours is already draining.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/** The ceiling worker in a child process; resolves once it polls. */
export async function spawnCeilingWorker(address: string, encryptionKeys: string | undefined): Promise<{ pid: number; stop(): Promise<void> }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['--import', 'tsx', require.resolve('./main'), address], { env: { ...process.env, ENCRYPTION_KEYS: encryptionKeys ?? '' }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`the ceiling worker exited with code ${code}`)));
  });
  return {
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
