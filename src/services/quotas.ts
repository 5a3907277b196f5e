import type { Knex } from 'knex';
import type { Config } from '../config';
import { usageLocked, type QuotaName } from '../db/quotas';
import { ApiError } from '../errors';

/**
 * Per-organization quotas: what one tenant may hold or run at once, so that it cannot crowd the others out
 * of the shared worker and Temporal (200 one-minute monitors, ten backtests at once…). Each is a setting;
 * over it, the request is 429 with the quota named.
 */
const WHAT: Record<QuotaName, { noun: string; running: boolean }> = {
  MAX_SLA_MONITORS_PER_ORG: { noun: 'SLA monitors', running: false },
  MAX_RUNNING_BACKTESTS_PER_ORG: { noun: 'backtests running', running: true },
  MAX_RUNNING_REROUTE_JOBS_PER_ORG: { noun: 're-route jobs running', running: true },
  MAX_LISTS_PER_ORG: { noun: 'lists', running: false },
  MAX_DRAFT_RULESETS_PER_ORG: { noun: 'draft rulesets', running: false },
};

/** Throws 429 naming the quota when the organization has no room for one more; call inside the creating transaction. */
export async function checkQuota<Q extends QuotaName>(trx: Knex.Transaction, config: Pick<Config, Q>, orgId: string, quota: Q): Promise<void> {
  const max = config[quota];
  const used = await usageLocked(trx, orgId, quota);
  if (used < max) return;
  const { noun, running } = WHAT[quota];
  const message = running
    ? `Quota ${quota} reached: this organization has ${used} ${noun}, the most it may run at once; retry when one has finished`
    : `Quota ${quota} reached: this organization has ${used} ${noun}, the most it may have; delete one first (the operator sets ${quota})`;
  throw new ApiError(429, 'RATE_LIMITED', message, [{ path: 'quota', message: `${quota}=${max}` }], { 'Retry-After': running ? '30' : '60' });
}
