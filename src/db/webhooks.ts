import type { Knex } from 'knex';
import type { Db } from './knex';
import { newId } from '../ids';

type Conn = Db | Knex.Transaction;

export const WEBHOOK_EVENTS = ['lead.assigned', 'lead.reassigned', 'lead.unassigned', 'lead.contacted', 'lead.sla_breached', 'alert.raised'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Timeline events that subscribers hear about, by the name they subscribe to. */
export const WEBHOOK_EVENT_FOR: Record<string, WebhookEvent> = {
  ASSIGNED: 'lead.assigned',
  REASSIGNED: 'lead.reassigned',
  UNASSIGNED: 'lead.unassigned',
  CONTACTED: 'lead.contacted',
  SLA_BREACHED: 'lead.sla_breached',
};

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
  const hooks: Array<{ id: string }> = await db('webhooks').where({ org_id: orgId, active: true }).whereRaw('? = ANY(events)', [type]).select('id');
  if (!hooks.length) return 0;
  const payload = JSON.stringify({ id: eventId, type, created_at: at.toISOString(), data });
  await db('webhook_deliveries')
    .insert(hooks.map((h) => ({ id: newId('delivery'), org_id: orgId, webhook_id: h.id, event_id: eventId, event_type: type, payload, status: 'PENDING' })))
    .onConflict(['webhook_id', 'event_id'])
    .ignore();
  return hooks.length;
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
