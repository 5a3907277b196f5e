import { z } from 'zod';
import { WEBHOOK_EVENTS } from '../lead/model';
import { IdOf, OptionalText, Timestamp } from './common';

const Url = z
  .url()
  .max(2000)
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http or https URL')
  .meta({ description: 'Where events are POSTed' });
const Events = z
  .array(z.enum(WEBHOOK_EVENTS))
  .min(1)
  .refine((e) => new Set(e).size === e.length, 'events must not repeat')
  .meta({ uniqueItems: true })
  .meta({ description: `Events to receive: ${WEBHOOK_EVENTS.join(', ')}` });

export const WebhookCreate = z.strictObject({ url: Url, events: Events, description: OptionalText(500) }).meta({ id: 'WebhookCreate' });
export type WebhookCreate = z.infer<typeof WebhookCreate>;

export const WebhookUpdate = z
  .strictObject({ url: Url.optional(), events: Events.optional(), description: OptionalText(500), active: z.boolean().optional() })
  .meta({ id: 'WebhookUpdate' });
export type WebhookUpdate = z.infer<typeof WebhookUpdate>;

export const Webhook = z
  .object({
    id: IdOf('webhook'),
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    active: z.boolean(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: 'Webhook' });
export type Webhook = z.infer<typeof Webhook>;

export const WebhookCreated = Webhook.extend({
  secret: z.string().nullable().meta({
    description:
      'Signing secret, shown this once. Each delivery carries Routeswit-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">. null when the response is an idempotent replay: the secret is not kept for replays.',
  }),
}).meta({ id: 'WebhookCreated' });
export type WebhookCreated = z.infer<typeof WebhookCreated>;

export const Delivery = z
  .object({
    id: IdOf('delivery'),
    event_id: z.string(),
    event_type: z.enum(WEBHOOK_EVENTS),
    status: z.enum(['PENDING', 'DELIVERED', 'FAILED']),
    attempts: z.number().int(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    payload: z.record(z.string(), z.unknown()),
    created_at: Timestamp,
    last_attempt_at: Timestamp.nullable(),
    delivered_at: Timestamp.nullable(),
  })
  .meta({ id: 'WebhookDelivery' });
export type Delivery = z.infer<typeof Delivery>;

