import type { Db } from '../db/knex';
import { lifecycleActivities } from './lifecycle';
import { routingActivities } from './routing';
import type { NotifyDeps } from './notify';
import { RulesetCache } from './rulesetCache';

/** The activities a lead's workflow performs: routing, and the lifecycle steps around it. */
/** `taskQueue`: the worker's, where the CRM writes its assignments ask for are taken. */
export function leadActivities(deps: { db: Db; rulesets?: RulesetCache; notify: NotifyDeps; taskQueue: string }) {
  return { ...routingActivities({ ...deps, rulesets: deps.rulesets ?? new RulesetCache() }), ...lifecycleActivities(deps) };
}
export type LeadActivities = ReturnType<typeof leadActivities>;
