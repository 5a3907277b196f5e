import type { Knex } from 'knex';
import type { Db } from './knex';

type Conn = Db | Knex.Transaction;

export interface RerouteJobRow {
  id: string;
  org_id: string;
  selection: Record<string, unknown>;
  lead_ids: string[];
  status: 'RUNNING' | 'COMPLETED';
  processed: number;
  moved: number;
  unchanged: number;
  failed: number;
  failures: Array<{ lead_id: string; reason: string }>;
  actor_key_id: string | null;
  actor_user_id: string | null;
  created_at: Date;
  finished_at: Date | null;
}

/** Failures kept on the job for people to read; the counters count them all. */
const FAILURES_KEPT = 100;

export async function insertRerouteJob(db: Conn, row: Pick<RerouteJobRow, 'id' | 'org_id' | 'selection' | 'lead_ids' | 'actor_key_id' | 'actor_user_id'>): Promise<RerouteJobRow> {
  const [created] = await db('reroute_jobs')
    .insert({ ...row, selection: JSON.stringify(row.selection), status: row.lead_ids.length ? 'RUNNING' : 'COMPLETED', finished_at: row.lead_ids.length ? null : db.fn.now() })
    .returning('*');
  return created as RerouteJobRow;
}

export function findRerouteJob(db: Conn, orgId: string | null, id: string): Promise<RerouteJobRow | undefined> {
  const q = db<RerouteJobRow>('reroute_jobs').where({ id });
  if (orgId) q.andWhere({ org_id: orgId });
  return q.first();
}

export interface PageOutcome {
  moved: number;
  unchanged: number;
  failures: Array<{ lead_id: string; reason: string }>;
}

/**
 * Counts one page's outcomes, if the job is still at `processed` (a retried activity whose first try
 * committed finds it moved on and counts nothing twice), and completes the job after its last lead.
 */
export async function recordPage(db: Conn, id: string, processed: number, pageSize: number, o: PageOutcome): Promise<void> {
  await db('reroute_jobs')
    .where({ id, processed })
    .update({
      processed: db.raw('processed + ?', [pageSize]),
      moved: db.raw('moved + ?', [o.moved]),
      unchanged: db.raw('unchanged + ?', [o.unchanged]),
      failed: db.raw('failed + ?', [o.failures.length]),
      failures: db.raw(`(SELECT COALESCE(jsonb_agg(f), '[]'::jsonb) FROM (SELECT f FROM jsonb_array_elements(failures || ?::jsonb) f LIMIT ${FAILURES_KEPT}) x)`, [JSON.stringify(o.failures)]),
      status: db.raw("CASE WHEN processed + ? >= cardinality(lead_ids) THEN 'COMPLETED' ELSE status END", [pageSize]),
      finished_at: db.raw('CASE WHEN processed + ? >= cardinality(lead_ids) THEN now() ELSE finished_at END', [pageSize]),
    });
}

export async function deleteRerouteJob(db: Conn, id: string): Promise<void> {
  await db('reroute_jobs').where({ id }).delete();
}
