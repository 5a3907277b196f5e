import type { Knex } from 'knex';
import type { Db } from './knex';
import { outboxWritten } from './outbox';
import type { NotificationChannel, NotificationKind, NotificationStatus } from '../notify/kinds';

type Conn = Db | Knex.Transaction;

export interface NotificationRow {
  id: string;
  org_id: string;
  lead_id: string;
  event_id: string;
  kind: NotificationKind;
  channel: NotificationChannel;
  recipient_rep_id: string | null;
  recipient: string;
  status: NotificationStatus;
  attempts: number;
  last_error: string | null;
  subject: string;
  body_text: string;
  body_html: string | null;
  slack_message: { text: string; blocks: object[] } | null;
  dedupe_key: string;
  created_at: Date;
  dispatched_at: Date | null;
  last_attempt_at: Date | null;
  sent_at: Date | null;
}

export type NewNotification = Pick<
  NotificationRow,
  'id' | 'org_id' | 'lead_id' | 'event_id' | 'kind' | 'channel' | 'recipient_rep_id' | 'recipient' | 'status' | 'last_error' | 'subject' | 'body_text' | 'body_html' | 'slack_message' | 'dedupe_key'
>;

/** Queues notifications in the caller's transaction; one already queued under the same key is left alone. Returns those written. */
export async function insertNotifications(db: Conn, rows: NewNotification[]): Promise<NotificationRow[]> {
  if (!rows.length) return [];
  const written: NotificationRow[] = await db('notifications')
    .insert(rows.map((r) => ({ ...r, slack_message: r.slack_message === null ? null : JSON.stringify(r.slack_message) })))
    .onConflict('dedupe_key')
    .ignore()
    .returning('*');
  if (written.length) outboxWritten(db);
  return written;
}

export function findNotification(db: Conn, id: string): Promise<NotificationRow | undefined> {
  return db<NotificationRow>('notifications').where({ id }).first();
}

export function findOrgNotification(db: Conn, orgId: string, id: string): Promise<NotificationRow | undefined> {
  return db<NotificationRow>('notifications').where({ org_id: orgId, id }).first();
}

export interface NotificationFilter {
  leadId?: string;
  repId?: string;
  status?: NotificationStatus;
}

/** Newest first, paged by id. */
export function listNotifications(db: Db, orgId: string, f: NotificationFilter, before: string | undefined, limit: number): Promise<NotificationRow[]> {
  const q = db<NotificationRow>('notifications').where({ org_id: orgId }).orderBy('id', 'desc').limit(limit);
  if (f.leadId) q.andWhere({ lead_id: f.leadId });
  if (f.repId) q.andWhere({ recipient_rep_id: f.repId });
  if (f.status) q.andWhere({ status: f.status });
  if (before) q.andWhere('id', '<', before);
  return q;
}

/** PENDING long after being handed to a workflow: the workflow was lost (see the dispatcher). */
export async function stalledNotifications(db: Conn, afterSeconds: number, limit: number): Promise<string[]> {
  const rows: Array<{ id: string }> = await db('notifications')
    .where({ status: 'PENDING' })
    .andWhere('dispatched_at', '<', db.raw('now() - make_interval(secs => ?)', [afterSeconds]))
    .orderBy('dispatched_at')
    .limit(limit)
    .select('id');
  return rows.map((r) => r.id);
}

/** One attempt's outcome: SENT when `error` is null, else still PENDING with the error kept. */
export async function recordAttempt(db: Conn, id: string, error: string | null): Promise<NotificationRow | undefined> {
  const [row] = await db('notifications')
    .where({ id, status: 'PENDING' })
    .update({
      attempts: db.raw('attempts + 1'),
      last_attempt_at: db.fn.now(),
      last_error: error,
      // Sent by the dispatcher's first attempt, it never went to a workflow: it was handed on all the same.
      ...(error === null ? { status: 'SENT', sent_at: db.fn.now(), dispatched_at: db.raw('coalesce(dispatched_at, now())') } : {}),
    })
    .returning('*');
  return row as NotificationRow | undefined;
}

/** The last attempt failed: FAILED for good. Returns the row if this call made it so. */
export async function markFailed(db: Conn, id: string): Promise<NotificationRow | undefined> {
  const [row] = await db('notifications').where({ id, status: 'PENDING' }).update({ status: 'FAILED' }).returning('*');
  return row as NotificationRow | undefined;
}
