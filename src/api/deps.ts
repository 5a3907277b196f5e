import type { Config } from '../config';
import type { Db } from '../db/knex';
import type { Logger } from '../logger';
import type { Temporal } from '../temporal/client';
import type { RateLimits } from './rateLimit';

export interface ApiDeps {
  config: Config;
  db: Db;
  logger: Logger;
  temporal: Temporal;
  limits: RateLimits;
}
