import * as store from '../db/notifications';
import { notFound } from '../errors';
import type { Page } from '../schemas/common';
import type { Notification, NotificationDetail, NotificationQuery } from '../schemas/notifications';
import type { ServiceDeps } from './deps';
import { iso, toPage } from './paging';

function present(n: store.NotificationRow): Notification {
  return {
    id: n.id,
    lead_id: n.lead_id,
    kind: n.kind,
    channel: n.channel,
    recipient: n.recipient,
    recipient_rep_id: n.recipient_rep_id,
    status: n.status,
    attempts: n.attempts,
    last_error: n.last_error,
    subject: n.subject,
    created_at: n.created_at.toISOString(),
    last_attempt_at: iso(n.last_attempt_at),
    sent_at: iso(n.sent_at),
  };
}

export async function listNotifications(deps: Pick<ServiceDeps, 'db'>, orgId: string, q: NotificationQuery): Promise<Page<Notification>> {
  const rows = await store.listNotifications(deps.db, orgId, { leadId: q.lead_id, repId: q.rep_id, status: q.status }, q.cursor, q.limit + 1);
  return toPage(rows, q.limit, present);
}

export async function getNotification(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string): Promise<NotificationDetail> {
  const n = await store.findOrgNotification(deps.db, orgId, id);
  if (!n) throw notFound('Notification');
  return { ...present(n), body_text: n.body_text, body_html: n.body_html, slack_blocks: (n.slack_message?.blocks as Array<Record<string, unknown>> | undefined) ?? null };
}
