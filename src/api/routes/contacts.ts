import { z } from 'zod';
import { IdOf, PageQuery } from '../../schemas/common';
import { Activity, ActivityCreate, ActivityLogged, Contact, ContactDetail, ContactListQuery, ContactUpserted, ContactUpsert } from '../../schemas/contacts';
import * as service from '../../services/contacts';
import { listRoute, route } from '../route';

const Params = z.object({ id: IdOf('contact') });
const tag = 'Contacts';

export const contactRoutes = [
  listRoute({
    method: 'get',
    path: '/v1/contacts',
    operationId: 'listContacts',
    tag,
    summary: 'List contacts',
    scope: 'contacts:read',
    query: ContactListQuery,
    response: Contact,
    handler: (ctx, { query }) => service.listContacts(ctx.deps, ctx.orgId, query),
  }),
  route({
    method: 'post',
    path: '/v1/contacts',
    operationId: 'upsertContact',
    alsoChecked: [
      '`owner_rep_id` names an active rep of this organization',
    ],
    tag,
    summary: 'Upsert a contact by email (or external_id)',
    description: '`created` says whether the contact is new or an existing one was updated.',
    scope: 'contacts:write',
    body: ContactUpsert,
    response: ContactUpserted,
    errors: [409],
    receipt: ['created'],
    handler: (ctx, { body }) => service.upsertContact(ctx.deps, ctx.orgId, body),
  }),
  route({
    method: 'get',
    path: '/v1/contacts/:id',
    operationId: 'getContact',
    tag,
    summary: 'Get a contact with its leads',
    scope: 'contacts:read',
    params: Params,
    response: ContactDetail,
    handler: (ctx, { params }) => service.getContact(ctx.deps, ctx.orgId, params.id),
  }),
  listRoute({
    method: 'get',
    path: '/v1/contacts/:id/activities',
    operationId: 'listActivities',
    tag,
    summary: "A contact's activities, oldest first",
    scope: 'contacts:read',
    params: Params,
    query: PageQuery,
    response: Activity,
    handler: (ctx, { params, query }) => service.listActivities(ctx.deps, ctx.orgId, params.id, query),
  }),
  route({
    method: 'post',
    path: '/v1/contacts/:id/activities',
    operationId: 'logActivity',
    alsoChecked: [
      '`rep_id` names an active rep of this organization',
      '`occurred_at` lies between 1970 and a day from now',
    ],
    tag,
    summary: 'Log a call, meeting, email or note',
    description: "A CALL, MEETING or EMAIL by the rep the contact's open lead is assigned to is that lead's first touch: it stops the SLA clock and the lead becomes CONTACTED.",
    scope: 'contacts:write',
    params: Params,
    body: ActivityCreate,
    response: ActivityLogged,
    errors: [503],
    handler: (ctx, { params, body }) => service.logActivity(ctx.deps, ctx.orgId, params.id, body),
  }),
];
