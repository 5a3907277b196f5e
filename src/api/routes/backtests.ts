import { z } from 'zod';
import { Backtest, BacktestExportQuery, BacktestRequest } from '../../schemas/backtests';
import { IdOf } from '../../schemas/common';
import * as service from '../../services/backtests';
import { route, streamRoute } from '../route';

const Params = z.object({ id: IdOf('backtest') });
const tag = 'Backtests';

export const backtestRoutes = [
  route({
    method: 'post',
    path: '/v1/rules/:id/backtest',
    operationId: 'backtestRuleset',
    tag,
    summary: 'Backtest a ruleset (draft or published) on past leads: what would have happened, rep by rep',
    description:
      "Replays the window's leads in their original order and at their original times through this ruleset, with the rep roster as it was (statuses, out of office, hours, " +
      'capacities and daily caps, as recorded since backtests exist; holidays from the calendars), round-robin pointers where they stood when the window began, and capacity held ' +
      'until each real lead let go of its rep. Runs as a workflow: read it with GET /v1/backtests/:id (progress, then the report), cancel it with POST /v1/backtests/:id/cancel.',
    alsoChecked: ['the window holds at least one lead and at most `limit`'],
    scope: 'rules:write',
    params: z.object({ id: IdOf('ruleset') }),
    body: BacktestRequest,
    response: Backtest,
    errors: [503],
    handler: (ctx, { params, body }) => service.createBacktest(ctx.deps, ctx.orgId, params.id, body),
  }),
  route({
    method: 'get',
    path: '/v1/backtests/:id',
    operationId: 'getBacktest',
    tag,
    summary: 'A backtest: its progress, then its report',
    scope: 'rules:read',
    params: Params,
    response: Backtest,
    handler: (ctx, { params }) => service.getBacktest(ctx.deps, ctx.orgId, params.id),
  }),
  route({
    method: 'post',
    path: '/v1/backtests/:id/cancel',
    operationId: 'cancelBacktest',
    tag,
    summary: 'Cancel a running backtest (it ends CANCELLED, with no report)',
    scope: 'rules:write',
    params: Params,
    response: Backtest,
    errors: [409, 503],
    handler: (ctx, { params }) => service.cancelBacktest(ctx.deps, ctx.orgId, params.id),
  }),
  streamRoute({
    method: 'get',
    path: '/v1/backtests/:id/export',
    operationId: 'exportBacktest',
    tag,
    summary: 'The leads a completed backtest would move, as CSV',
    scope: 'rules:read',
    params: Params,
    query: BacktestExportQuery,
    produces: { 'text/csv': 'A header row, then one row per lead that would move: its rep and rule before and after' },
    handler: (ctx, { params }) => service.exportBacktest(ctx.deps, ctx.orgId, params.id),
  }),
];
