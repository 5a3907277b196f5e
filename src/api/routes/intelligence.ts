import { Summary, Timeseries, TimeseriesQuery, WindowQuery } from '../../schemas/intelligence';
import * as service from '../../services/intelligence';
import { route } from '../route';

const tag = 'Intelligence';

export const intelligenceRoutes = [
  route({
    method: 'get',
    path: '/v1/intelligence/summary',
    tag,
    summary: 'Routing performance over a window of received leads',
    description:
      'Leads received, assigned, unassigned and contacted; time to assignment and to first touch (p50/p90); SLA met and breached; reassignments; ' +
      'per rep and per rule figures; activity outcomes; distribution fairness per team. Default window: the last 7 days.',
    scope: 'intelligence:read',
    query: WindowQuery,
    response: Summary,
    handler: (ctx, { query }) => service.summary(ctx.deps.db, ctx.orgId, query),
  }),
  route({
    method: 'get',
    path: '/v1/intelligence/timeseries',
    tag,
    summary: 'One metric per hour or day, for charts',
    scope: 'intelligence:read',
    query: TimeseriesQuery,
    response: Timeseries,
    handler: (ctx, { query }) => service.timeseries(ctx.deps.db, ctx.orgId, query),
  }),
];
