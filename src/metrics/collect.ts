import type { Db } from '../db/knex';
import { outboxStats } from '../db/outboxStats';
import { dbPool, outboxDepth, outboxOldest, registry } from './metrics';

/**
 * What is read at scrape time rather than counted as it happens: the outboxes (from Postgres, so any replica
 * sees the same) and this process's database pool.
 */
interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

export async function collectState(db: Db, pool: string): Promise<void> {
  const tarn = (db.client as { pool?: TarnPool }).pool;
  if (tarn) {
    dbPool.set({ pool, state: 'used' }, tarn.numUsed());
    dbPool.set({ pool, state: 'free' }, tarn.numFree());
    dbPool.set({ pool, state: 'pending' }, tarn.numPendingAcquires());
  }
  for (const o of await outboxStats(db)) {
    outboxDepth.set({ outbox: o.outbox }, o.depth);
    outboxOldest.set({ outbox: o.outbox }, o.oldest_seconds);
  }
}

/** The exposition text, after reading the state (a failed read leaves the last values, and says so in the log). */
export async function scrape(db: Db, pool: string, onError: (err: unknown) => void): Promise<string> {
  await collectState(db, pool).catch(onError);
  return registry.metrics();
}
