import type { Knex } from 'knex';
import type { Db } from './knex';
import type { LeadRow } from './leads';
import { idFloor } from '../ids';

/**
 * Leads taken in bulk wait here (ROUTING, `bulk_queue` set, no workflow yet) until the bulk feeder starts
 * them (worker/bulkFeeder.ts): a few at a time, organizations in turn.
 */
export type WaitingLead = Pick<LeadRow, 'id' | 'org_id' | 'first_name' | 'last_name' | 'company' | 'source'>;

/** Bulk leads of this task queue started in the last `withinSeconds` and still routing. */
async function routingNow(trx: Knex.Transaction, queue: string, withinSeconds: number): Promise<number> {
  const row = await trx('leads')
    .where({ status: 'ROUTING', bulk_queue: queue })
    .andWhere('workflow_started_at', '>', trx.raw('now() - make_interval(secs => ?)', [withinSeconds]))
    .first(trx.raw('count(*)::int AS n'));
  return (row as { n: number }).n;
}

/** Up to `limit` waiting leads, oldest first within each organization, the organizations taken in turn. */
async function nextWaiting(trx: Knex.Transaction, queue: string, limit: number): Promise<string[]> {
  const { rows } = await trx.raw<{ rows: Array<{ id: string }> }>(
    `SELECT l.id
       FROM (SELECT DISTINCT org_id FROM leads WHERE status = 'ROUTING' AND bulk_queue = :queue AND workflow_started_at IS NULL) o,
       LATERAL (SELECT id, received_at, row_number() OVER (ORDER BY received_at, id) AS turn
                  FROM leads WHERE status = 'ROUTING' AND bulk_queue = :queue AND workflow_started_at IS NULL AND org_id = o.org_id
                 ORDER BY received_at, id LIMIT :limit) l
      ORDER BY l.turn, l.received_at LIMIT :limit`,
    { queue, limit },
  );
  return rows.map((r) => r.id);
}

/**
 * Takes as many waiting leads as keep this queue's bulk leads routing at once at `maxRouting`, marking them
 * started, in one short transaction (under a lock of the queue's, so two workers do not both fill the same
 * room). The caller starts their workflows afterwards, outside it, and gives back those it could not start.
 */
export async function claimBulkLeads(db: Db, queue: string, maxRouting: number, withinSeconds: number): Promise<WaitingLead[]> {
  return db.transaction(async (trx): Promise<WaitingLead[]> => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`routeswit:bulk-feeder:${queue}`]);
    const room = maxRouting - (await routingNow(trx, queue, withinSeconds));
    if (room <= 0) return [];
    const ids = await nextWaiting(trx, queue, room);
    if (!ids.length) return [];
    return trx<WaitingLead>('leads').whereIn('id', ids).update({ workflow_started_at: trx.fn.now() } as never).returning(['id', 'org_id', 'first_name', 'last_name', 'company', 'source']);
  });
}

/** Leads whose workflow could not be started after all: back to waiting. */
export async function unclaimBulkLeads(db: Db, ids: string[]): Promise<void> {
  if (ids.length) await db('leads').whereIn('id', ids).where({ status: 'ROUTING' }).update({ workflow_started_at: null });
}

/** Whether a lead that was not taken in bulk arrived in the last `seconds` (found by id: ids are time-ordered). */
export async function othersArriving(db: Db, seconds: number): Promise<boolean> {
  return Boolean(await db('leads').where('id', '>=', idFloor('lead', Date.now() - seconds * 1000)).whereNull('bulk_queue').first('id'));
}

/** Whether any bulk lead of this queue is waiting to be started. */
export async function bulkWaiting(db: Db, queue: string): Promise<boolean> {
  return Boolean(await db('leads').where({ status: 'ROUTING', bulk_queue: queue }).whereNull('workflow_started_at').first('id'));
}
