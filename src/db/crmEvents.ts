import type { Knex } from 'knex';
import type { CrmName } from '../crm/connector';
import { newId } from '../ids';
import type { Db } from './knex';

type Conn = Db | Knex.Transaction;

export type CrmEventKind = 'created' | 'changed';

export interface CrmEventRow {
  id: string;
  org_id: string;
  crm: CrmName;
  event_key: string;
  batch_id: string;
  task_queue: string;
  kind: CrmEventKind;
  object_id: string;
  property: string | null;
  status: 'PENDING' | 'DONE' | 'IGNORED' | 'FAILED';
  lead_id: string | null;
  note: string | null;
  received_at: Date;
}

export interface NewCrmEvent {
  org_id: string;
  event_key: string;
  kind: CrmEventKind;
  object_id: string;
  property: string | null;
}

/**
 * Takes a webhook's events in, in one statement: an event already taken (the CRM sends again when an answer
 * is slow or lost) is not taken twice. Returns how many were new; they form one batch for the worker.
 */
export async function insertCrmEvents(db: Conn, crm: CrmName, taskQueue: string, batchId: string, events: readonly NewCrmEvent[]): Promise<number> {
  if (!events.length) return 0;
  const rows = await db('crm_events')
    .insert(events.map((e) => ({ id: newId('crmEvent'), crm, task_queue: taskQueue, batch_id: batchId, ...e })))
    .onConflict(['org_id', 'crm', 'event_key'])
    .ignore()
    .returning('id');
  if (rows.length) {
    const orgs = [...new Set(events.map((e) => e.org_id))];
    await db('crm_connections').where({ crm }).whereIn('org_id', orgs).update({ last_event_at: db.fn.now() });
  }
  return rows.length;
}

/** This task queue's batches with events not yet handed to a workflow, oldest first. */
export async function undispatchedCrmBatches(db: Conn, taskQueue: string, limit: number): Promise<string[]> {
  const rows: Array<{ batch_id: string }> = await db('crm_events').where({ task_queue: taskQueue }).whereNull('dispatched_at').groupBy('batch_id').orderByRaw('min(received_at)').limit(limit).select('batch_id');
  return rows.map((r) => r.batch_id);
}

export async function markCrmBatchDispatched(db: Conn, batchId: string): Promise<void> {
  await db('crm_events').where({ batch_id: batchId }).whereNull('dispatched_at').update({ dispatched_at: db.fn.now() });
}

/** Batches whose events are still PENDING long after their workflow was started: it was lost. */
export async function stalledCrmBatches(db: Conn, taskQueue: string, afterSeconds: number, limit: number): Promise<string[]> {
  const rows: Array<{ batch_id: string }> = await db('crm_events')
    .where({ status: 'PENDING', task_queue: taskQueue })
    .andWhere('dispatched_at', '<', db.raw('now() - make_interval(secs => ?)', [afterSeconds]))
    .groupBy('batch_id')
    .limit(limit)
    .select('batch_id');
  return rows.map((r) => r.batch_id);
}

export function pendingCrmEvents(db: Conn, batchId: string): Promise<CrmEventRow[]> {
  return db<CrmEventRow>('crm_events').where({ batch_id: batchId, status: 'PENDING' }).orderBy('received_at').orderBy('id');
}

export interface CrmEventOutcome {
  id: string;
  status: 'DONE' | 'IGNORED' | 'FAILED';
  lead_id?: string | null;
  note?: string | null;
}

export async function finishCrmEvents(db: Conn, outcomes: readonly CrmEventOutcome[]): Promise<void> {
  for (const o of outcomes) await db('crm_events').where({ id: o.id, status: 'PENDING' }).update({ status: o.status, lead_id: o.lead_id ?? null, note: o.note?.slice(0, 500) ?? null, done_at: db.fn.now() });
}
