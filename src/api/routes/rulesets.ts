import { z } from 'zod';
import { IdOf } from '../../schemas/common';
import { Ruleset, RulesetCreate, RulesetListQuery, RulesetUpdate, SimulateRequest, SimulateResponse } from '../../schemas/rulesets';
import * as service from '../../services/rulesets';
import { PublishQuery } from '../../schemas/backtests';
import { listRoute, route } from '../route';

const Params = z.object({ id: IdOf('ruleset') });
const tag = 'Rulesets';

// Fixed paths come before /:id so that "active" and "simulate" are never read as ids.
export const rulesetRoutes = [
  listRoute({
    method: 'get',
    path: '/v1/rules',
    operationId: 'listRulesets',
    tag,
    summary: 'List rulesets',
    scope: 'rules:read',
    query: RulesetListQuery,
    response: Ruleset,
    handler: (ctx, { query }) => service.listRulesets(ctx.deps, ctx.orgId, query),
  }),
  route({
    method: 'post',
    path: '/v1/rules',
    operationId: 'createRuleset',
    audit: { resource: 'ruleset', action: 'created' },
    alsoChecked: [
      'every team named has an active rep and every rep id names an active rep of this organization',
      'escalations are in order of `after_minutes`',
      "a condition's `value` fits its operator; `matches` patterns are RE2 syntax",
    ],
    tag,
    summary: 'Create a ruleset (as a DRAFT)',
    description:
      'An ordered list of rules plus an optional fallback and default SLA; the first rule whose `when` matches decides. ' +
      'Invalid rulesets get 422 with `details[].path` pointing at the bad element, e.g. `rules[2].when.all[0].op`.',
    scope: 'rules:write',
    body: RulesetCreate,
    response: Ruleset,
    handler: (ctx, { body }) => service.createRuleset(ctx.deps, ctx.orgId, body),
  }),
  route({
    method: 'get',
    path: '/v1/rules/active',
    operationId: 'getActiveRuleset',
    tag,
    summary: "The organization's active ruleset",
    scope: 'rules:read',
    response: Ruleset,
    errors: [404],
    handler: (ctx) => service.getActiveRuleset(ctx.deps, ctx.orgId),
  }),
  route({
    method: 'post',
    path: '/v1/rules/simulate',
    operationId: 'simulateRouting',
    alsoChecked: [
      '`ruleset_id` names a ruleset of this organization; an inline `ruleset` obeys the rules of POST /v1/rules',
    ],
    tag,
    summary: 'Route a lead without writing anything: the decision and its explanation',
    description: 'Uses the active ruleset, or `ruleset_id` (e.g. a draft), or an unsaved `ruleset`, against the current state of your reps.',
    scope: 'rules:read',
    body: SimulateRequest,
    response: SimulateResponse,
    errors: [404],
    handler: (ctx, { body }) => service.simulate(ctx.deps, ctx.orgId, body),
  }),
  route({
    method: 'get',
    path: '/v1/rules/:id',
    operationId: 'getRuleset',
    tag,
    summary: 'Get a ruleset',
    scope: 'rules:read',
    params: Params,
    response: Ruleset,
    handler: (ctx, { params }) => service.getRuleset(ctx.deps, ctx.orgId, params.id),
  }),
  route({
    method: 'patch',
    path: '/v1/rules/:id',
    operationId: 'updateRuleset',
    audit: { resource: 'ruleset', action: 'updated' },
    alsoChecked: [
      'every team named has an active rep and every rep id names an active rep of this organization',
      'escalations are in order of `after_minutes`',
      "a condition's `value` fits its operator; `matches` patterns are RE2 syntax",
    ],
    tag,
    summary: 'Change a draft ruleset (published versions are immutable: 409)',
    scope: 'rules:write',
    params: Params,
    body: RulesetUpdate,
    response: Ruleset,
    errors: [409],
    handler: (ctx, { params, body }) => service.updateRuleset(ctx.deps, ctx.orgId, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/v1/rules/:id',
    operationId: 'deleteRuleset',
    audit: { resource: 'ruleset', action: 'deleted' },
    tag,
    summary: 'Delete a draft ruleset (published versions stay: 409)',
    scope: 'rules:write',
    params: Params,
    response: Ruleset,
    errors: [409],
    handler: (ctx, { params }) => service.deleteRuleset(ctx.deps, ctx.orgId, params.id),
  }),
  route({
    method: 'post',
    path: '/v1/rules/:id/publish',
    operationId: 'publishRuleset',
    audit: { resource: 'ruleset', action: 'published' },
    tag,
    summary: 'Make this ruleset the active one',
    description:
      'A draft becomes the next version; publishing an older version rolls back to it. One transaction: there is always exactly one active ruleset. ' +
      'With `require_backtest=true` a ruleset without a completed backtest is refused (409).',
    scope: 'rules:write',
    params: Params,
    query: PublishQuery,
    response: Ruleset,
    errors: [409],
    handler: (ctx, { params, query }) => service.publishRuleset(ctx.deps, ctx.orgId, params.id, { requireBacktest: query.require_backtest === true }),
  }),
];
