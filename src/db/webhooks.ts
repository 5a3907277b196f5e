import type { Knex } from 'knex';
import type { Db } from './knex';
import { newId } from '../ids';
import { outboxWritten } from './outbox';
import type { WebhookEvent } from '../lead/model';

type Conn = Db | Knex.Transaction;

export interface WebhookRow {
  id: string;
  org_id: string;
  url: string;
  description: string | null;
  events: WebhookEvent[];
  secret: string;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface DeliveryRow {
  id: string;
  org_id: string;
  webhook_id: string;
  event_id: string;
  event_type: WebhookEvent;
  payload: Record<string, unknown>;
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  dispatched_at: Date | null;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
}

/**
 * The outbox: one delivery per subscribed webhook, written in the same transaction as the event it announces,
 * so an event is never announced without having happened, nor happens without being announced. Delivery
 * itself is asynchronous (see the worker's dispatcher) and never holds up routing.
 */
export async function enqueueDeliveries(db: Conn, orgId: string, type: WebhookEvent, eventId: string, data: object, at: Date): Promise<number> {
  const { subscribers } = (await db.first(subscribersOf(db, [orgId]).wrap('', ' AS subscribers'))) as { subscribers: Subscriber[] };
  return queueDeliveries(db, orgId, type, hooksFor(subscribers, orgId, type), [{ eventId, data, at }]);
}

/** An event to announce, with what its delivery carries. */
export interface Announced {
  eventId: string;
  data: object;
  at: Date;
  /** The trace the event happened in; its delivery continues it. */
  traceParent?: string;
}

/** An active webhook and the events it subscribes to, as read beside the events it may announce. */
export interface Subscriber {
  id: string;
  org_id: string;
  events: WebhookEvent[];
}

/**
 * The active webhooks of these organizations, as a SQL expression that yields them as JSON: a statement that
 * writes events reads them in the same round trip (see insertEvents).
 */
export function subscribersOf(db: Conn, orgIds: string[]): Knex.Raw {
  return db.raw(`(SELECT coalesce(json_agg(json_build_object('id', h.id, 'org_id', h.org_id, 'events', h.events)), '[]') FROM webhooks h WHERE h.org_id = ANY(?::text[]) AND h.active)`, [orgIds]);
}

/** The webhooks among `subscribers` that announce `type` for the organization: the one place that rule lives. */
export function hooksFor(subscribers: readonly Subscriber[], orgId: string, type: WebhookEvent): string[] {
  return subscribers.filter((s) => s.org_id === orgId && s.events.includes(type)).map((s) => s.id);
}

/** Queues one delivery per event for each of the webhooks (already known to subscribe to `type`). */
export async function queueDeliveries(db: Conn, orgId: string, type: WebhookEvent, hookIds: string[], events: ReadonlyArray<Announced>): Promise<number> {
  if (!hookIds.length || !events.length) return 0;
  const rows = events.flatMap((e) => {
    const payload = JSON.stringify({ id: e.eventId, type, created_at: e.at.toISOString(), data: e.data });
    return hookIds.map((id) => ({ id: newId('delivery'), org_id: orgId, webhook_id: id, event_id: e.eventId, event_type: type, payload, status: 'PENDING', trace_parent: e.traceParent ?? null }));
  });
  await db('webhook_deliveries').insert(rows).onConflict(['webhook_id', 'event_id']).ignore();
  outboxWritten(db);
  return hookIds.length;
}

export function findWebhook(db: Conn, orgId: string, id: string): Promise<WebhookRow | undefined> {
  return db<WebhookRow>('webhooks').where({ org_id: orgId, id }).first();
}

export function listWebhooks(db: Db, orgId: string, after: string | undefined, limit: number): Promise<WebhookRow[]> {
  const q = db<WebhookRow>('webhooks').where({ org_id: orgId }).orderBy('id', 'asc').limit(limit);
  if (after) q.andWhere('id', '>', after);
  return q;
}

export function listDeliveries(db: Db, webhookId: string, before: string | undefined, limit: number): Promise<DeliveryRow[]> {
  const q = db<DeliveryRow>('webhook_deliveries').where({ webhook_id: webhookId }).orderBy('id', 'desc').limit(limit);
  if (before) q.andWhere('id', '<', before);
  return q;
}

export async function insertWebhook(db: Conn, w: Pick<WebhookRow, 'id' | 'org_id' | 'url' | 'description' | 'events' | 'secret'>): Promise<WebhookRow> {
  const [row] = await db('webhooks').insert(w).returning('*');
  return row as WebhookRow;
}

export async function updateWebhook(db: Conn, orgId: string, id: string, patch: Partial<Pick<WebhookRow, 'url' | 'description' | 'events' | 'active'>>): Promise<WebhookRow> {
  const [row] = await db('webhooks')
    .where({ org_id: orgId, id })
    .update({ ...patch, updated_at: db.fn.now() })
    .returning('*');
  return row as WebhookRow;
}

export function findDelivery(db: Conn, id: string): Promise<DeliveryRow | undefined> {
  return db<DeliveryRow>('webhook_deliveries').where({ id }).first();
}

/** The webhook a delivery belongs to, whatever its organization (the delivery already is that organization's). */
export function webhookOf(db: Conn, d: DeliveryRow): Promise<WebhookRow | undefined> {
  return db<WebhookRow>('webhooks').where({ id: d.webhook_id, org_id: d.org_id }).first();
}

/** One attempt's outcome: delivered, or the error (coarse, see net/outbound) for the next attempt to beat. */
export async function recordAttempt(db: Conn, id: string, a: { status: number; error: string | null; at: Date }): Promise<void> {
  await db('webhook_deliveries')
    .where({ id })
    .update({
      attempts: db.raw('attempts + 1'),
      last_status_code: a.status || null,
      last_error: a.error,
      last_attempt_at: a.at,
      // Delivered by the dispatcher's first attempt, it never went to a workflow: it was handed on all the same.
      ...(a.error ? {} : { status: 'DELIVERED', delivered_at: new Date(), dispatched_at: db.raw('coalesce(dispatched_at, now())') }),
    });
}

/** Gives up on a delivery still PENDING; `error` replaces the last one when given. */
export async function failDelivery(db: Conn, id: string, error?: string): Promise<void> {
  await db('webhook_deliveries').where({ id, status: 'PENDING' }).update({ status: 'FAILED', ...(error ? { last_error: error } : {}) });
}


/**
 * Deliveries still PENDING long after they were handed to a workflow: the workflow failed, was terminated,
 * or never started. Handing them on again (to a new run) makes sure none waits for ever.
 */
export async function stalledDeliveries(db: Conn, afterSeconds: number, limit: number): Promise<string[]> {
  const rows: Array<{ id: string }> = await db('webhook_deliveries')
    .where({ status: 'PENDING' })
    .andWhere('dispatched_at', '<', db.raw('now() - make_interval(secs => ?)', [afterSeconds]))
    .orderBy('dispatched_at')
    .limit(limit)
    .select('id');
  return rows.map((r) => r.id);
}
