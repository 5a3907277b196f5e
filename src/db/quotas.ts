import type { Knex } from 'knex';

/** What each per-organization quota counts. */
const USAGE = {
  MAX_SLA_MONITORS_PER_ORG: (trx: Knex.Transaction, orgId: string) => trx('sla_monitors').where({ org_id: orgId }),
  MAX_RUNNING_BACKTESTS_PER_ORG: (trx: Knex.Transaction, orgId: string) => trx('backtests').where({ org_id: orgId, status: 'RUNNING' }),
  MAX_RUNNING_REROUTE_JOBS_PER_ORG: (trx: Knex.Transaction, orgId: string) => trx('reroute_jobs').where({ org_id: orgId, status: 'RUNNING' }),
  MAX_LISTS_PER_ORG: (trx: Knex.Transaction, orgId: string) => trx('value_lists').where({ org_id: orgId }),
  MAX_DRAFT_RULESETS_PER_ORG: (trx: Knex.Transaction, orgId: string) => trx('rulesets').where({ org_id: orgId, status: 'DRAFT' }),
} as const;

export type QuotaName = keyof typeof USAGE;

/**
 * How much of a quota the organization uses, under a lock of that quota's for the rest of the transaction:
 * two creations at once cannot both see room for one.
 */
export async function usageLocked(trx: Knex.Transaction, orgId: string, quota: QuotaName): Promise<number> {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`routeswit:quota:${quota}:${orgId}`]);
  const row = await USAGE[quota](trx, orgId).first(trx.raw('count(*)::int AS n'));
  return (row as { n: number }).n;
}
