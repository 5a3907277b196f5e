import type { Db } from './knex';

export const RETAINED = ['leads', 'audit', 'deliveries', 'notifications'] as const;
export type Retained = (typeof RETAINED)[number];
export type RetentionDays = Partial<Record<`${Retained}_days`, number>>;

export function orgsWithRetention(db: Db): Promise<Array<{ id: string; retention: RetentionDays }>> {
  return db('organizations').orderBy('id').select('id', 'retention');
}

/**
 * Deletes one batch of what this organization keeps no longer, in a short transaction of its own: the purge
 * calls it again and again rather than holding locks over a million rows. Settled (CLOSED) leads go with their
 * timeline, assignments, notifications and CRM writes; their activities stay on the contact, without the lead.
 * Returns how many rows of the kind it removed (less than `limit` once nothing is left).
 *
 * Its commit does not wait for the WAL to reach disk (synchronous_commit off, for this transaction only): a batch
 * a crash loses is found and deleted again by the next run, and nobody waits on the answer. A purge commits many
 * small transactions a second, and each synchronous commit was one more flush that routing's commits queued
 * behind.
 */
export async function purgeBatch(db: Db, orgId: string, kind: Retained, days: number, limit: number): Promise<number> {
  const cutoff = db.raw('now() - make_interval(days => ?)', [days]);
  if (kind === 'leads') {
    return db.transaction(async (trx): Promise<number> => {
      await trx.raw('SET LOCAL synchronous_commit = off');
      const ids = (await trx('leads').where({ org_id: orgId, status: 'CLOSED' }).andWhere('closed_at', '<', cutoff).orderBy('closed_at').limit(limit).select('id')).map((r: { id: string }) => r.id);
      if (!ids.length) return 0;
      await trx('events').whereIn('lead_id', ids).delete();
      await trx('activities').whereIn('lead_id', ids).update({ lead_id: null });
      return trx('leads').whereIn('id', ids).delete();
    });
  }
  const [table, at, extra] = {
    audit: ['audit_log', 'at', null],
    deliveries: ['webhook_deliveries', 'created_at', 'PENDING'],
    notifications: ['notifications', 'created_at', 'PENDING'],
  }[kind] as [string, string, string | null];
  return db.transaction(async (trx): Promise<number> => {
    await trx.raw('SET LOCAL synchronous_commit = off');
    const doomed = trx(table).where({ org_id: orgId }).andWhere(at, '<', cutoff).limit(limit).select('id');
    if (extra) doomed.whereNot({ status: extra });
    return trx(table).whereIn('id', doomed).delete();
  });
}
