import { z } from 'zod';
import { IdOf } from '../../schemas/common';
import { Calendar, CalendarCreate, CalendarListQuery, CalendarUpdate } from '../../schemas/calendars';
import * as service from '../../services/calendars';
import { listRoute, route } from '../route';

const Params = z.object({ id: IdOf('calendar') });
const tag = 'Calendars';
const CLOSURE_CHECKS = ["a closure's `from` is before its `to`", 'two closures of the same date do not overlap', '`team` is given for TEAM and `rep_id` for REP, and neither otherwise'];
const audit = (action: 'created' | 'updated' | 'deleted') => ({ resource: 'calendar' as const, action });

export const calendarRoutes = [
  listRoute({
    method: 'get',
    path: '/v1/calendars',
    operationId: 'listCalendars',
    tag,
    summary: 'Business calendars: holidays and half days',
    alsoChecked: ['`rep_id` names a rep of this organization'],
    scope: 'reps:read',
    query: CalendarListQuery,
    response: Calendar,
    handler: (ctx, { query }) => service.listCalendars(ctx.deps, ctx.orgId, query),
  }),
  route({
    method: 'post',
    path: '/v1/calendars',
    operationId: 'createCalendar',
    alsoChecked: ['`rep_id` names an active rep of this organization', ...CLOSURE_CHECKS],
    tag,
    summary: 'Create a calendar for the organization, a team or a rep',
    scope: 'reps:write',
    body: CalendarCreate,
    response: Calendar,
    audit: audit('created'),
    handler: (ctx, { body }) => service.createCalendar(ctx.deps, ctx.orgId, body),
  }),
  route({
    method: 'get',
    path: '/v1/calendars/:id',
    operationId: 'getCalendar',
    tag,
    summary: 'A calendar with its closures',
    scope: 'reps:read',
    params: Params,
    response: Calendar,
    handler: (ctx, { params }) => service.getCalendar(ctx.deps, ctx.orgId, params.id),
  }),
  route({
    method: 'patch',
    path: '/v1/calendars/:id',
    operationId: 'updateCalendar',
    alsoChecked: CLOSURE_CHECKS,
    tag,
    summary: "Rename a calendar, change its time zone, or replace its closures",
    scope: 'reps:write',
    params: Params,
    body: CalendarUpdate,
    response: Calendar,
    audit: audit('updated'),
    handler: (ctx, { params, body }) => service.updateCalendar(ctx.deps, ctx.orgId, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/v1/calendars/:id',
    operationId: 'deleteCalendar',
    tag,
    summary: 'Delete a calendar',
    scope: 'reps:write',
    params: Params,
    response: Calendar,
    audit: audit('deleted'),
    handler: (ctx, { params }) => service.deleteCalendar(ctx.deps, ctx.orgId, params.id),
  }),
];
