import { startCeilingWorker } from './worker';

/**
 * The ceiling worker as a process of its own (`node bench/ceiling/main.ts <temporal address>`), as
 * Routeswit's worker is: inside the benchmark's process, whose thread is busy generating load, its timers
 * fired tens of seconds late, which measured the load generator, not the platform.
 */
async function main(): Promise<void> {
  const worker = await startCeilingWorker(process.argv[2]!, process.env.ENCRYPTION_KEYS);
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await worker.stop();
}

void main();
