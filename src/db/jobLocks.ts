import { randomUUID } from 'node:crypto';
import type { Db } from './knex';


/**
 * Runs `round` only if no other process is running the job `name` right now, so N worker replicas do each
 * round of a background job once, not N times. Returns false when another process had it.
 *
 * The job is held by a lease row (job_leases), taken and given back in single statements: no transaction stays
 * open while the round runs (rounds call Temporal, which may be slow or away), and it works through a pooler
 * in transaction mode, where a session's advisory lock would not. A process that dies mid-round holds the job
 * until its lease runs out (`leaseSeconds`); a round that outlasts its lease may overlap the next one, which is
 * harmless because every round is idempotent.
 */
export async function withJobLock(db: Db, name: string, round: () => Promise<void>, leaseSeconds = 120): Promise<boolean> {
  const holder = `${process.pid}-${randomUUID()}`;
  const taken = await db.raw<{ rows: unknown[] }>(
    `INSERT INTO job_leases (name, holder, expires_at) VALUES (?, ?, now() + make_interval(secs => ?))
     ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
     WHERE job_leases.expires_at < now()
     RETURNING name`,
    [`routeswit:${name}`, holder, leaseSeconds],
  );
  if (!taken.rows.length) return false;
  try {
    await round();
    return true;
  } finally {
    await db('job_leases').where({ name: `routeswit:${name}`, holder }).update({ expires_at: db.raw("'-infinity'") });
  }
}
