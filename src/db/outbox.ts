import type { Knex } from 'knex';
import type { Db } from './knex';

type Conn = Db | Knex.Transaction;

/** The outbox tables the dispatcher hands on: each row gets one workflow. */
export type OutboxTable = 'webhook_deliveries' | 'notifications';

/**
 * Claims up to `limit` rows waiting for a workflow, oldest first, for `leaseSeconds`: every worker's dispatcher
 * claims its own share at once (rows another is claiming are skipped, not waited for), so the work spreads over
 * the workers instead of one of them holding a global lock. A claim whose worker dies runs out and the rows are
 * claimed again; starting a row's workflow twice is harmless (its id is the row's).
 */
export async function claimUndispatched(db: Db, table: OutboxTable, limit: number, leaseSeconds: number): Promise<Array<{ id: string; trace_parent: string | null }>> {
  const traceParent = table === 'webhook_deliveries' ? 'o.trace_parent' : 'NULL::text';
  const { rows } = await db.raw<{ rows: Array<{ id: string; trace_parent: string | null }> }>(
    `UPDATE ${table} o SET dispatch_claimed_until = now() + make_interval(secs => ?)
     FROM (SELECT id FROM ${table}
           WHERE status = 'PENDING' AND dispatched_at IS NULL AND (dispatch_claimed_until IS NULL OR dispatch_claimed_until < now())
           ORDER BY created_at LIMIT ? FOR UPDATE SKIP LOCKED) c
     WHERE o.id = c.id
     RETURNING o.id, ${traceParent} AS trace_parent`,
    [leaseSeconds, limit],
  );
  return rows;
}

/** These rows' workflows are started: the dispatcher is done with them (the redrive watches them from now on). */
export async function markDispatched(db: Conn, table: OutboxTable, ids: readonly string[]): Promise<void> {
  if (ids.length) await db(table).whereIn('id', ids).update({ dispatched_at: db.fn.now() });
}

const listeners = new Set<() => void>();

/** Called, in this process, whenever outbox rows were written and have committed. */
export function onOutboxWritten(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Tells this process's dispatcher that `db` wrote outbox rows: once the transaction commits (a row is invisible
 * to the dispatcher before), or at once outside one. Rows written elsewhere (the API) wait for its next poll.
 */
export function outboxWritten(db: Conn): void {
  const fire = () => listeners.forEach((l) => l());
  if ('executionPromise' in db && db.isTransaction) db.executionPromise.then(fire, () => undefined);
  else fire();
}
