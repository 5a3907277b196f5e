import type { CrmName } from '../crm/connector';
import type { Db } from './knex';

/**
 * A CRM account's request budget, shared by every worker and API process: each request takes a slot (a row)
 * under the account's lock, and none is taken while `max` requests were busy within the last `windowMs`, or
 * while the account is paused after a 429. A slot is busy from its grant until its request answers (or, if
 * its process died, until `maxRequestMs` after the grant): whenever the CRM receives a request, every request
 * it received in the `windowMs` before was still counted here, so its count can never pass ours.
 * Returns the slot's id when one was taken, else how long to wait.
 */
export async function takeCrmSlot(
  db: Db,
  crm: CrmName,
  accountId: string,
  o: { max: number; windowMs: number; maxRequestMs: number },
): Promise<{ slot: string } | { waitMs: number }> {
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`routeswit:crm-rate:${crm}:${accountId}`]);
    const { rows } = await trx.raw<{ rows: Array<{ paused_ms: number | null; used: number; oldest_ms: number | null }> }>(
      `SELECT (SELECT ceil(extract(epoch FROM paused_until - clock_timestamp()) * 1000)::int FROM crm_connections
                WHERE crm = :crm AND account_id = :accountId AND paused_until > clock_timestamp() LIMIT 1) AS paused_ms,
              count(*)::int AS used,
              ceil(extract(epoch FROM min(busy_until) + make_interval(secs => :windowS) - clock_timestamp()) * 1000)::int AS oldest_ms
         FROM crm_requests WHERE crm = :crm AND account_id = :accountId AND busy_until > clock_timestamp() - make_interval(secs => :windowS)`,
      { crm, accountId, windowS: o.windowMs / 1000 },
    );
    const r = rows[0]!;
    if (r.paused_ms && r.paused_ms > 0) return { waitMs: r.paused_ms };
    if (r.used >= o.max) return { waitMs: Math.max(1, r.oldest_ms ?? o.windowMs) };
    const [row] = await trx('crm_requests')
      .insert({ crm, account_id: accountId, at: trx.raw('clock_timestamp()'), busy_until: trx.raw('clock_timestamp() + make_interval(secs => ?)', [o.maxRequestMs / 1000]) })
      .returning<Array<{ id: string }>>('id');
    // The log never holds more than a window's worth of an account: older slots go as new ones are taken.
    await trx('crm_requests')
      .where({ crm, account_id: accountId })
      .andWhere('busy_until', '<', trx.raw('clock_timestamp() - make_interval(secs => ?)', [(o.windowMs / 1000) * 2]))
      .delete();
    return { slot: String(row!.id) };
  });
}

/** The slot's request has answered (or failed): it counts until now plus the window, no longer. */
export async function endCrmSlot(db: Db, slot: string): Promise<void> {
  await db('crm_requests').where({ id: slot }).update({ busy_until: db.raw('clock_timestamp()') });
}

/** After a 429: no request for this account until `ms` from now (a longer pause already set stays). */
export async function pauseCrmAccount(db: Db, crm: CrmName, accountId: string, ms: number): Promise<void> {
  await db('crm_connections')
    .where({ crm, account_id: accountId })
    .update({ paused_until: db.raw('GREATEST(COALESCE(paused_until, clock_timestamp()), clock_timestamp() + make_interval(secs => ?))', [ms / 1000]) });
}
