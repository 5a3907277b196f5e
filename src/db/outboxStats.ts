import type { Db } from './knex';

export interface OutboxStat {
  outbox: 'webhook_deliveries' | 'notifications' | 'crm_writes' | 'crm_events';
  depth: number;
  oldest_seconds: number;
}

/** Each outbox's items still PENDING and the age of the oldest, in one statement (each part by a partial index). */
export async function outboxStats(db: Db): Promise<OutboxStat[]> {
  const { rows } = await db.raw<{ rows: Array<{ outbox: OutboxStat['outbox']; depth: number; oldest_seconds: number | null }> }>(`
    SELECT 'webhook_deliveries' AS outbox, count(*)::int AS depth, extract(epoch FROM now() - min(created_at))::float AS oldest_seconds FROM webhook_deliveries WHERE status = 'PENDING'
    UNION ALL SELECT 'notifications', count(*)::int, extract(epoch FROM now() - min(created_at))::float FROM notifications WHERE status = 'PENDING'
    UNION ALL SELECT 'crm_writes', count(*)::int, extract(epoch FROM now() - min(created_at))::float FROM crm_writes WHERE status = 'PENDING'
    UNION ALL SELECT 'crm_events', count(*)::int, extract(epoch FROM now() - min(received_at))::float FROM crm_events WHERE status = 'PENDING'`);
  return rows.map((r) => ({ ...r, oldest_seconds: Math.max(0, r.oldest_seconds ?? 0) }));
}
