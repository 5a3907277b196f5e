import type { Config } from '../config';
import type { Db } from '../db/knex';
import type { Logger } from '../logger';
import type { Temporal } from '../temporal/client';

/**
 * What every service function takes first: the API, the admin CLI and the worker's background jobs each
 * build one. A function that needs less declares a Pick of it, so a caller can never pass the wrong thing.
 */
export interface ServiceDeps {
  db: Db;
  temporal: Temporal;
  logger: Logger;
  config: Config;
}
