import type { ServiceDeps } from './deps';
import * as store from '../db/webhooks';
import { sealIfKeyed } from '../crypto/keyring';
import { invalid, notFound } from '../errors';
import { outboundPolicy, urlProblem } from '../net/outbound';
import { newId, randomString } from '../ids';
import type { Page, PageQuery } from '../schemas/common';
import type { Delivery, Webhook, WebhookCreate, WebhookCreated, WebhookUpdate } from '../schemas/webhooks';
import { iso, toPage } from './paging';

function present(w: store.WebhookRow): Webhook {
  return { id: w.id, url: w.url, description: w.description, events: w.events, active: w.active, created_at: w.created_at.toISOString(), updated_at: w.updated_at.toISOString() };
}

function presentDelivery(d: store.DeliveryRow): Delivery {
  return {
    id: d.id,
    event_id: d.event_id,
    event_type: d.event_type,
    status: d.status,
    attempts: d.attempts,
    last_status_code: d.last_status_code,
    last_error: d.last_error,
    payload: d.payload,
    created_at: d.created_at.toISOString(),
    last_attempt_at: iso(d.last_attempt_at),
    delivered_at: iso(d.delivered_at),
  };
}

/** The URL must be one the outbound policy could ever deliver to (the address is checked again when sending). */
function checkUrl(url: string | undefined, outboundTargets: string): void {
  const problem = url ? urlProblem(url, outboundPolicy(outboundTargets)) : null;
  if (problem) throw invalid(`url: ${problem}`, [{ path: 'url', message: `${problem}; see OUTBOUND_TARGETS` }]);
}


export async function createWebhook(deps: Pick<ServiceDeps, 'db' | 'config'>, orgId: string, input: WebhookCreate): Promise<WebhookCreated> {
  const { config } = deps;
  checkUrl(input.url, config.OUTBOUND_TARGETS);
  const secret = `whsec_${randomString(40)}`;
  const row = await store.insertWebhook(deps.db, { id: newId('webhook'), org_id: orgId, url: input.url, description: input.description ?? null, events: input.events, secret: sealIfKeyed(config.ENCRYPTION_KEYS, secret) });
  return { ...present(row), secret };
}

async function mustFind(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string): Promise<store.WebhookRow> {
  const { db } = deps;
  const row = await store.findWebhook(db, orgId, id);
  if (!row) throw notFound('Webhook');
  return row;
}

export async function getWebhook(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string): Promise<Webhook> {
  return present(await mustFind(deps, orgId, id));
}

export async function listWebhooks(deps: Pick<ServiceDeps, 'db'>, orgId: string, page: PageQuery): Promise<Page<Webhook>> {
  const { db } = deps;
  return toPage(await store.listWebhooks(db, orgId, page.cursor, page.limit + 1), page.limit, present);
}

export async function updateWebhook(deps: Pick<ServiceDeps, 'db' | 'config'>, orgId: string, id: string, patch: WebhookUpdate): Promise<Webhook> {
  checkUrl(patch.url, deps.config.OUTBOUND_TARGETS);
  return applyUpdate(deps, orgId, id, patch);
}

async function applyUpdate(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string, patch: WebhookUpdate): Promise<Webhook> {
  await mustFind(deps, orgId, id);
  return present(await store.updateWebhook(deps.db, orgId, id, patch));
}

/** Deleting stops new deliveries (pending ones fail) and keeps the delivery history. */
export async function deleteWebhook(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string): Promise<Webhook> {
  return applyUpdate(deps, orgId, id, { active: false });
}

export async function listDeliveries(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string, page: PageQuery): Promise<Page<Delivery>> {
  const { db } = deps;
  await mustFind(deps, orgId, id);
  return toPage(await store.listDeliveries(db, id, page.cursor, page.limit + 1), page.limit, presentDelivery);
}
