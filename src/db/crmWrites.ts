import type { Knex } from 'knex';
import type { CrmName } from '../crm/connector';
import { newId } from '../ids';
import type { Db } from './knex';

type Conn = Db | Knex.Transaction;

export type CrmWriteStatus = 'PENDING' | 'SYNCED' | 'FAILED' | 'SKIPPED' | 'SUPERSEDED';

export interface CrmWriteRow {
  id: string;
  org_id: string;
  lead_id: string;
  crm: CrmName;
  object_id: string;
  rep_id: string;
  step_key: string;
  task_queue: string;
  status: CrmWriteStatus;
  owner_id: string | null;
  http_status: number | null;
  error: string | null;
  attempts: number;
  created_at: Date;
  dispatched_at: Date | null;
  done_at: Date | null;
}

export interface NewCrmWrite {
  org_id: string;
  lead_id: string;
  object_id: string;
  rep_id: string;
  /** The assignment it follows (its timeline step): one write per assignment, however often it is asked for. */
  step_key: string;
}

/**
 * Asks for owner writes in the transaction that assigned the leads, for those whose organization is connected
 * to the CRM with write_owner on (one statement; nothing for the others).
 */
export async function enqueueCrmWrites(db: Conn, crm: CrmName, orgId: string, taskQueue: string, writes: readonly NewCrmWrite[]): Promise<number> {
  if (!writes.length) return 0;
  const { rows } = await db.raw<{ rows: unknown[] }>(
    `INSERT INTO crm_writes (id, org_id, lead_id, crm, object_id, rep_id, step_key, task_queue)
     SELECT w.id, w.org_id, w.lead_id, :crm, w.object_id, w.rep_id, w.step_key, :taskQueue
       FROM jsonb_to_recordset(:writes::jsonb) AS w(id text, org_id text, lead_id text, object_id text, rep_id text, step_key text)
      WHERE EXISTS (SELECT 1 FROM crm_connections c WHERE c.org_id = :orgId AND c.crm = :crm AND (c.options->>'write_owner')::boolean)
     ON CONFLICT (lead_id, crm, step_key) DO NOTHING
     RETURNING id`,
    { crm, orgId, taskQueue, writes: JSON.stringify(writes.map((w) => ({ id: newId('crmWrite'), ...w }))) },
  );
  return rows.length;
}

/** This task queue's leads with writes not yet handed to their workflow. */
export async function undispatchedCrmWrites(db: Conn, taskQueue: string, limit: number): Promise<Array<{ org_id: string; lead_id: string; crm: CrmName }>> {
  return db('crm_writes').where({ task_queue: taskQueue }).whereNull('dispatched_at').groupBy('org_id', 'lead_id', 'crm').orderByRaw('min(created_at)').limit(limit).select('org_id', 'lead_id', 'crm');
}

export async function markCrmWritesDispatched(db: Conn, leadId: string, crm: CrmName): Promise<void> {
  await db('crm_writes').where({ lead_id: leadId, crm }).whereNull('dispatched_at').update({ dispatched_at: db.fn.now() });
}

/** Leads whose writes are still PENDING long after their workflow was started: it was lost. */
export async function stalledCrmWrites(db: Conn, taskQueue: string, afterSeconds: number, limit: number): Promise<Array<{ org_id: string; lead_id: string; crm: CrmName }>> {
  return db('crm_writes')
    .where({ status: 'PENDING', task_queue: taskQueue })
    .andWhere('dispatched_at', '<', db.raw('now() - make_interval(secs => ?)', [afterSeconds]))
    .groupBy('org_id', 'lead_id', 'crm')
    .limit(limit)
    .select('org_id', 'lead_id', 'crm');
}

/**
 * The lead's newest pending write, the older pending ones marked SUPERSEDED in the same statement: an owner
 * asked for before a newer one is never written after it.
 */
export async function claimLatestCrmWrite(db: Conn, leadId: string, crm: CrmName): Promise<CrmWriteRow | undefined> {
  const { rows } = await db.raw<{ rows: CrmWriteRow[] }>(
    `WITH pending AS (
       SELECT id, row_number() OVER (ORDER BY created_at DESC, id DESC) AS n FROM crm_writes
        WHERE lead_id = :leadId AND crm = :crm AND status = 'PENDING'),
     superseded AS (
       UPDATE crm_writes SET status = 'SUPERSEDED', done_at = now() WHERE id IN (SELECT id FROM pending WHERE n > 1) RETURNING id)
     SELECT w.* FROM crm_writes w JOIN pending p ON p.id = w.id AND p.n = 1`,
    { leadId, crm },
  );
  return rows[0];
}

export function findCrmWrite(db: Conn, id: string): Promise<CrmWriteRow | undefined> {
  return db<CrmWriteRow>('crm_writes').where({ id }).first();
}

export async function countCrmAttempt(db: Conn, id: string, httpStatus: number | null, error: string): Promise<void> {
  await db('crm_writes').where({ id }).increment('attempts', 1).update({ http_status: httpStatus, error: error.slice(0, 500) });
}

/** Ends a pending write; false when it was not pending any more (done by an earlier attempt). */
export async function finishCrmWrite(db: Conn, id: string, o: { status: Exclude<CrmWriteStatus, 'PENDING'>; owner_id?: string | null; http_status?: number | null; error?: string | null }): Promise<boolean> {
  const n = await db('crm_writes')
    .where({ id, status: 'PENDING' })
    .update({ status: o.status, owner_id: o.owner_id ?? null, http_status: o.http_status ?? null, error: o.error?.slice(0, 500) ?? null, done_at: db.fn.now() });
  if (n && o.status === 'SYNCED') {
    const row = await db<CrmWriteRow>('crm_writes').where({ id }).first('org_id', 'crm');
    if (row) await db('crm_connections').where({ org_id: row.org_id, crm: row.crm }).update({ last_write_at: db.fn.now() });
  }
  return n > 0;
}

/** The latest writes that failed for good, for the dashboard. */
export function recentCrmFailures(db: Conn, orgId: string, limit: number): Promise<CrmWriteRow[]> {
  return db<CrmWriteRow>('crm_writes').where({ org_id: orgId, status: 'FAILED' }).orderBy('done_at', 'desc').limit(limit);
}
