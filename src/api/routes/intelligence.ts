import { z } from 'zod';
import { IdOf, PageQuery } from '../../schemas/common';
import { Summary, Timeseries, TimeseriesQuery, WindowQuery } from '../../schemas/intelligence';
import { Alert, AlertListQuery, Digest, Monitor, MonitorCreate, MonitorUpdate } from '../../schemas/monitors';
import * as service from '../../services/intelligence';
import * as monitors from '../../services/monitors';
import { listRoute, route } from '../route';
import { forbidden } from '../../errors';
import type { Principal } from '../../services/apiKeys';

const tag = 'Intelligence';

/**
 * A manager sees their own teams' figures: the team the query names when it is theirs, their one team when it
 * names none. Keys and the other roles see every team.
 */
function teamFor(principal: Principal, team: string | undefined): string | undefined {
  const mine = principal.teams;
  if (!mine) return team;
  if (team !== undefined && mine.includes(team)) return team;
  if (team === undefined && mine.length === 1) return mine[0];
  if (!mine.length) throw forbidden('You manage no team yet: an owner gives managers their teams (PATCH /v1/users/{id} with teams)');
  throw forbidden(`Managers see their own teams' figures: ask for team=${mine.join(', team=')}`);
}

export const intelligenceRoutes = [
  route({
    method: 'get',
    path: '/v1/intelligence/summary',
    operationId: 'getIntelligenceSummary',
    alsoChecked: [
      '`from` is before `to`',
    ],
    tag,
    summary: 'Routing performance over a window of received leads',
    description:
      'Leads received, assigned, unassigned and contacted; time to assignment and to first touch (p50/p90); SLA met and breached; reassignments; ' +
      'per rep and per rule figures; activity outcomes; distribution fairness per team. Default window: the last 7 days.',
    scope: 'intelligence:read',
    query: WindowQuery,
    response: Summary,
    handler: (ctx, { query }) => service.summary(ctx.deps, ctx.orgId, { ...query, team: teamFor(ctx.principal, query.team) }),
  }),
  route({
    method: 'get',
    path: '/v1/intelligence/timeseries',
    operationId: 'getIntelligenceTimeseries',
    alsoChecked: [
      '`from` is before `to`',
    ],
    tag,
    summary: 'One metric per hour or day, for charts',
    scope: 'intelligence:read',
    query: TimeseriesQuery,
    response: Timeseries,
    handler: (ctx, { query }) => service.timeseries(ctx.deps, ctx.orgId, { ...query, team: teamFor(ctx.principal, query.team) }),
  }),
];

const MonitorParams = z.object({ id: IdOf('monitor') });

export const monitorRoutes = [
  listRoute({
    method: 'get',
    path: '/v1/intelligence/sla-monitors',
    operationId: 'listSlaMonitors',
    tag,
    summary: 'List SLA monitors',
    scope: 'intelligence:read',
    query: PageQuery,
    response: Monitor,
    handler: (ctx, { query }) => monitors.listMonitors(ctx.deps, ctx.orgId, query),
  }),
  route({
    method: 'post',
    path: '/v1/intelligence/sla-monitors',
    operationId: 'createSlaMonitor',
    audit: { resource: 'monitor', action: 'created' },
    alsoChecked: [
      "`params` fit the monitor's `kind`; a `rep_id` in them names an active rep of this organization",
    ],
    tag,
    summary: 'Create an SLA monitor, evaluated on its own Temporal Schedule',
    description:
      'Kinds: BREACH_RATE (breach rate over a window above a threshold, optionally for one team), UNASSIGNED_AGE (any lead UNASSIGNED longer than N minutes), ' +
      'REP_OPEN_UNTOUCHED (a rep with more than N open untouched leads). Each transition into breach raises one alert and fires the alert.raised webhook.',
    scope: 'intelligence:write',
    body: MonitorCreate,
    response: Monitor,
    errors: [503],
    handler: (ctx, { body }) => monitors.createMonitor(ctx.deps, ctx.orgId, body),
  }),
  route({
    method: 'get',
    path: '/v1/intelligence/sla-monitors/:id',
    operationId: 'getSlaMonitor',
    tag,
    summary: 'Get an SLA monitor with its current state',
    scope: 'intelligence:read',
    params: MonitorParams,
    response: Monitor,
    handler: (ctx, { params }) => monitors.getMonitor(ctx.deps, ctx.orgId, params.id),
  }),
  route({
    method: 'patch',
    path: '/v1/intelligence/sla-monitors/:id',
    operationId: 'updateSlaMonitor',
    audit: { resource: 'monitor', action: 'updated' },
    alsoChecked: [
      "`params` fit the monitor's `kind`; a `rep_id` in them names an active rep of this organization",
    ],
    tag,
    summary: 'Change, pause or resume an SLA monitor (its schedule follows)',
    scope: 'intelligence:write',
    params: MonitorParams,
    body: MonitorUpdate,
    response: Monitor,
    errors: [503],
    handler: (ctx, { params, body }) => monitors.updateMonitor(ctx.deps, ctx.orgId, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/v1/intelligence/sla-monitors/:id',
    operationId: 'deleteSlaMonitor',
    audit: { resource: 'monitor', action: 'deleted' },
    tag,
    summary: 'Delete an SLA monitor and its schedule; its alerts stay',
    scope: 'intelligence:write',
    params: MonitorParams,
    response: Monitor,
    errors: [503],
    handler: (ctx, { params }) => monitors.deleteMonitor(ctx.deps, ctx.orgId, params.id),
  }),
  listRoute({
    method: 'get',
    path: '/v1/intelligence/alerts',
    operationId: 'listAlerts',
    tag,
    summary: 'Alerts raised by SLA monitors and by notifications that could not be sent, newest first',
    scope: 'intelligence:read',
    query: AlertListQuery,
    response: Alert,
    handler: (ctx, { query }) => monitors.listAlerts(ctx.deps, ctx.orgId, query),
  }),
  listRoute({
    method: 'get',
    path: '/v1/intelligence/digests',
    operationId: 'listDigests',
    tag,
    summary: "Daily digests of the previous day's SLA breaches, newest first",
    scope: 'intelligence:read',
    query: PageQuery,
    response: Digest,
    handler: (ctx, { query }) => monitors.listDigests(ctx.deps, ctx.orgId, query),
  }),
];
