import type { Knex } from 'knex';
import type { Db } from './knex';
import { newId } from '../ids';
import { WEBHOOK_EVENT_FOR, type TimelineEventType, type WebhookEvent } from '../lead/model';
import { hooksFor, queueDeliveries, subscribersOf, type Announced, type Subscriber } from './webhooks';

type Conn = Db | Knex.Transaction;

export interface EventRow {
  id: string;
  org_id: string;
  lead_id: string;
  type: string;
  rep_id: string | null;
  data: Record<string, unknown>;
  step_key: string;
  occurred_at: Date;
}

export interface NewEvent {
  org_id: string;
  lead_id: string;
  type: TimelineEventType;
  /** The workflow step that writes it: a retried activity finds its key taken and writes nothing. */
  step_key: string;
  rep_id?: string | null;
  data?: object;
  occurred_at?: Date;
  /** The trace it happens in: handed to the deliveries that announce it, not stored with the event. */
  trace_parent?: string;
}

/**
 * Writes timeline events once each, in one statement, which also reads the webhooks that may announce them.
 * Events that webhooks announce get their deliveries queued in the same transaction, so an event is never
 * announced without having happened, nor happens unannounced. Returns each new event's id, or null where the
 * step had written it already; events written together keep their order in the timeline.
 */
export async function insertEvents(db: Conn, events: NewEvent[]): Promise<Array<string | null>> {
  const ids = events.map(() => newId('event'));
  const insert = db('events')
    .insert(events.map(({ trace_parent: _, ...e }, i) => ({ id: ids[i], rep_id: null, ...e, data: JSON.stringify(e.data ?? {}) })))
    .onConflict(['lead_id', 'step_key'])
    .ignore()
    .returning(['id', 'occurred_at']);
  const announcing = [...new Set(events.filter((e) => WEBHOOK_EVENT_FOR[e.type]).map((e) => e.org_id))];
  const rows: Array<{ id: string; occurred_at: Date; subscribers?: Subscriber[] }> = announcing.length
    ? await db.with('written', insert).from('written').select('id', 'occurred_at', subscribersOf(db, announcing).wrap('', ' AS subscribers'))
    : await insert;
  const written = new Map(rows.map((r) => [r.id, r.occurred_at]));
  const subscribers = rows[0]?.subscribers ?? [];
  // Announced events, grouped by organization and webhook event: one insert of deliveries per group.
  const announced = new Map<string, { orgId: string; hook: WebhookEvent; events: Announced[] }>();
  for (const [i, e] of events.entries()) {
    const hook = WEBHOOK_EVENT_FOR[e.type];
    const at = written.get(ids[i]!);
    if (!at || !hook) continue;
    const key = `${e.org_id}/${hook}`;
    if (!announced.has(key)) announced.set(key, { orgId: e.org_id, hook, events: [] });
    announced.get(key)!.events.push({ eventId: ids[i]!, data: { lead_id: e.lead_id, rep_id: e.rep_id ?? null, ...(e.data ?? {}) }, at, traceParent: e.trace_parent });
  }
  for (const a of announced.values()) await queueDeliveries(db, a.orgId, a.hook, hooksFor(subscribers, a.orgId, a.hook), a.events);
  return ids.map((id) => (written.has(id) ? id : null));
}

/** Writes a timeline event once (see insertEvents): its id, or null when the step had written it already. */
export async function insertEvent(db: Conn, e: NewEvent): Promise<string | null> {
  return (await insertEvents(db, [e]))[0]!;
}

/**
 * Keeps the lead's latest `keep` events of `type`, deleting older ones: for events a client can add at will
 * (UPDATED, one per changing PATCH), which would otherwise grow a lead's timeline without bound.
 */
export async function keepLatest(db: Conn, leadId: string, type: TimelineEventType, keep: number): Promise<void> {
  await db('events')
    .whereIn('id', db('events').where({ lead_id: leadId, type }).orderBy([{ column: 'occurred_at', order: 'desc' }, { column: 'seq', order: 'desc' }]).offset(keep).select('id'))
    .delete();
}

/** Oldest first; steps written in one transaction keep the order they were written in. */
export function leadTimeline(db: Conn, leadId: string): Promise<EventRow[]> {
  return db<EventRow>('events').where({ lead_id: leadId }).orderBy([{ column: 'occurred_at' }, { column: 'seq' }]);
}

export function findStep(db: Conn, leadId: string, stepKey: string): Promise<EventRow | undefined> {
  return db<EventRow>('events').where({ lead_id: leadId, step_key: stepKey }).first();
}

/** Every step key the lead's workflow runs have written: a new run reads its progress from them. */
export async function stepKeys(db: Conn, leadId: string): Promise<string[]> {
  return (await db('events').where({ lead_id: leadId }).select('step_key')).map((r: { step_key: string }) => r.step_key);
}

/** An organization's SLA breaches in [from, to), for the daily digest. */
export function breachesBetween(db: Conn, orgId: string, from: Date, to: Date): Promise<Array<{ lead_id: string; rep_id: string | null; breached_at: Date }>> {
  return db('events')
    .where({ org_id: orgId, type: 'SLA_BREACHED' })
    .where('occurred_at', '>=', from)
    .where('occurred_at', '<', to)
    .orderBy('occurred_at')
    .select('lead_id', 'rep_id', 'occurred_at as breached_at');
}
