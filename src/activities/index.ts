import type { Db } from '../db/knex';
import { diagnosticsActivities } from './diagnostics';

export interface ActivityDeps {
  db: Db;
}

/** All activities the worker registers, bound to their dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...diagnosticsActivities(deps.db),
  };
}
export type Activities = ReturnType<typeof createActivities>;
