import type { Db } from './knex';

/**
 * Runs `round` only if no other process is running the job `name` right now (a Postgres advisory lock held
 * by a transaction for the round), so N worker replicas do each round of a background job once, not N
 * times. Returns false when another process had it.
 */
export async function withJobLock(db: Db, name: string, round: () => Promise<void>): Promise<boolean> {
  return db.transaction(async (trx) => {
    const { rows } = await trx.raw<{ rows: Array<{ locked: boolean }> }>('SELECT pg_try_advisory_xact_lock(hashtext(?)) AS locked', [`routeswit:${name}`]);
    if (!rows[0]!.locked) return false;
    await round();
    return true;
  });
}
