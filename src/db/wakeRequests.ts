import type { Db } from './knex';

/**
 * Hands up to `limit` pending requests (one per rep) to `handle`, and deletes them once it succeeds. Rows are
 * locked with SKIP LOCKED, so workers running this at once share the work instead of repeating it.
 */
export async function takeWakeRequests(db: Db, limit: number, handle: (reps: Array<{ org_id: string; rep_id: string }>) => Promise<void>): Promise<number> {
  return db.transaction(async (trx) => {
    const rows: Array<{ id: string; org_id: string; rep_id: string }> = await trx('wake_requests').orderBy('id').limit(limit).forUpdate().skipLocked().select('id', 'org_id', 'rep_id');
    if (!rows.length) return 0;
    const reps = new Map(rows.map((r) => [`${r.org_id}/${r.rep_id}`, { org_id: r.org_id, rep_id: r.rep_id }]));
    await handle([...reps.values()]);
    await trx('wake_requests').whereIn('id', rows.map((r) => r.id)).delete();
    return rows.length;
  });
}
