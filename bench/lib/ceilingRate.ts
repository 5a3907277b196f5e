import type { Temporal } from '../../src/temporal/client';
import { runCeilingWorkflow } from '../ceiling/run';
import { spawnCeilingWorker } from '../ceiling/worker';
import { drive } from './driver';

/**
 * The platform's own rate on this stack: bare workflows with one no-op activity, started the way the API
 * starts a lead, as fast as `concurrency` allows (the ceiling of `npm run bench`). Goals that are ratios of it
 * hold or fail alike on a slow and a fast machine.
 */
export async function measureCeiling(temporal: Temporal, address: string, encryptionKeys: string | undefined, runs = 300, concurrency = 32): Promise<number> {
  const worker = await spawnCeilingWorker(address, encryptionKeys);
  try {
    const id = Date.now().toString(36);
    const ran = await drive('ceiling (bare workflow + no-op activity)', runs, { concurrency }, (i) => runCeilingWorkflow(temporal, `bench-ceiling-rate-${id}-${i}`));
    return (runs - ran.errors) / (ran.elapsedMs / 1000);
  } finally {
    await worker.stop();
  }
}
