import { z } from 'zod';
import { IdOf } from '../../schemas/common';
import { Notification, NotificationDetail, NotificationQuery } from '../../schemas/notifications';
import { Organization, OrganizationUpdate } from '../../schemas/organization';
import * as notifications from '../../services/notifications';
import * as organization from '../../services/organization';
import { listRoute, route } from '../route';

export const organizationRoutes = [
  route({
    method: 'get',
    path: '/v1/organization',
    operationId: 'getOrganization',
    tag: 'Organization',
    summary: "Your organization's settings: default time zone, escalation contacts, notification channels",
    scope: 'organization:read',
    response: Organization,
    handler: (ctx) => organization.getOrganization(ctx.deps, ctx.orgId),
  }),
  route({
    method: 'patch',
    path: '/v1/organization',
    operationId: 'updateOrganization',
    audit: { resource: 'organization', action: 'updated' },
    alsoChecked: [
      'each escalation contact names an active rep of this organization',
      "the SMTP and Slack URLs point where the operator's OUTBOUND_TARGETS allows",
    ],
    tag: 'Organization',
    summary: 'Change settings: name, time zone, escalation contacts, email and Slack for notifications',
    description:
      'Slack incoming webhook URLs and an SMTP URL carry credentials: they are write-only (responses say only whether they are set) and stored encrypted. ' +
      'Set a field to null to remove it; `team_webhook_urls` changes only the teams it names. ' +
      "An SMTP URL of the organization's own is used instead of the server's `SMTP_URL`; like Slack URLs, its host must be an address `OUTBOUND_TARGETS` allows.",
    scope: 'organization:write',
    body: OrganizationUpdate,
    response: Organization,
    handler: (ctx, { body }) => organization.updateOrganization(ctx.deps, ctx.orgId, body),
  }),
  listRoute({
    method: 'get',
    path: '/v1/notifications',
    operationId: 'listNotifications',
    tag: 'Notifications',
    summary: 'Notifications sent (or being sent, failed, skipped), newest first',
    description: 'Every reminder, escalation, assignment and give-up notice, by email and Slack, with its attempts and last error. Also on the lead\'s timeline as NOTIFIED.',
    scope: 'notifications:read',
    query: NotificationQuery,
    response: Notification,
    handler: (ctx, { query }) => notifications.listNotifications(ctx.deps, ctx.orgId, query),
  }),
  route({
    method: 'get',
    path: '/v1/notifications/:id',
    operationId: 'getNotification',
    tag: 'Notifications',
    summary: 'A notification with what it said (the email in text and HTML, or the Slack message)',
    scope: 'notifications:read',
    params: z.object({ id: IdOf('notification') }),
    response: NotificationDetail,
    handler: (ctx, { params }) => notifications.getNotification(ctx.deps, ctx.orgId, params.id),
  }),
];
