import type { CrmName } from '../crm/connector';
import type { Db } from './knex';

/**
 * A CRM account's request budget, shared by every worker and API process: each request takes a slot (a row
 * with its time) under the account's lock, and none is taken while `max` were taken within `windowMs`, or
 * while the account is paused after a 429. Returns 0 when a slot was taken, else how long to wait.
 */
export async function takeCrmSlot(db: Db, crm: CrmName, accountId: string, max: number, windowMs: number): Promise<number> {
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`routeswit:crm-rate:${crm}:${accountId}`]);
    const { rows } = await trx.raw<{ rows: Array<{ paused_ms: number | null; used: number; oldest_ms: number | null }> }>(
      `SELECT (SELECT ceil(extract(epoch FROM paused_until - clock_timestamp()) * 1000)::int FROM crm_connections
                WHERE crm = :crm AND account_id = :accountId AND paused_until > clock_timestamp() LIMIT 1) AS paused_ms,
              count(*)::int AS used,
              ceil(extract(epoch FROM min(at) + make_interval(secs => :windowS) - clock_timestamp()) * 1000)::int AS oldest_ms
         FROM crm_requests WHERE crm = :crm AND account_id = :accountId AND at > clock_timestamp() - make_interval(secs => :windowS)`,
      { crm, accountId, windowS: windowMs / 1000 },
    );
    const r = rows[0]!;
    if (r.paused_ms && r.paused_ms > 0) return r.paused_ms;
    if (r.used >= max) return Math.max(1, r.oldest_ms ?? windowMs);
    await trx('crm_requests').insert({ crm, account_id: accountId, at: trx.raw('clock_timestamp()') });
    // The log never holds more than a window's worth of an account: older slots go as new ones are taken.
    await trx('crm_requests').where({ crm, account_id: accountId }).andWhere('at', '<', trx.raw('clock_timestamp() - make_interval(secs => ?)', [(windowMs / 1000) * 2])).delete();
    return 0;
  });
}

/** After a 429: no request for this account until `ms` from now (a longer pause already set stays). */
export async function pauseCrmAccount(db: Db, crm: CrmName, accountId: string, ms: number): Promise<void> {
  await db('crm_connections')
    .where({ crm, account_id: accountId })
    .update({ paused_until: db.raw('GREATEST(COALESCE(paused_until, clock_timestamp()), clock_timestamp() + make_interval(secs => ?))', [ms / 1000]) });
}
