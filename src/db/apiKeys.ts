import type { Knex } from 'knex';
import { columnsOf, prepared, type Db } from './knex';

export interface ApiKeyRow {
  id: string;
  org_id: string;
  name: string;
  kind: 'SECRET' | 'RESTRICTED';
  token_hash: string;
  token_hint: string;
  scopes: string[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** Every column of ApiKeyRow, for the prepared lookup every request makes. */
const API_KEY_COLUMNS = columnsOf<ApiKeyRow>()('id', 'org_id', 'name', 'kind', 'token_hash', 'token_hint', 'scopes', 'created_at', 'last_used_at', 'revoked_at');

export type NewApiKey = Omit<ApiKeyRow, 'created_at' | 'last_used_at' | 'revoked_at'>;

/**
 * Inserts the key unless its organization already has `max` keys that are not revoked (then null). The
 * organization row is locked for the count, so concurrent creations cannot overshoot the limit.
 */
export async function insertApiKeyWithin(db: Db, max: number, row: NewApiKey): Promise<ApiKeyRow | null> {
  return db.transaction(async (trx) => {
    if (Number.isFinite(max)) {
      await trx('organizations').where({ id: row.org_id }).forUpdate().first('id');
      const { n } = (await trx('api_keys').where({ org_id: row.org_id }).whereNull('revoked_at').first(trx.raw('count(*)::int AS n'))) as { n: number };
      if (n >= max) return null;
    }
    const [created] = await trx<ApiKeyRow>('api_keys').insert(row).returning('*');
    return created!;
  });
}

/** Which keys a viewer may see: everything, or only restricted keys whose scopes lie within these. */
export interface KeyVisibility {
  scopesWithin?: string[];
}

function visible(q: Knex.QueryBuilder, v: KeyVisibility): Knex.QueryBuilder {
  if (v.scopesWithin) q.andWhere('kind', 'RESTRICTED').andWhereRaw('scopes <@ ?::text[]', [v.scopesWithin]);
  return q;
}

export function findApiKeyByHash(db: Db, tokenHash: string): Promise<ApiKeyRow | undefined> {
  return prepared(db, 'find_api_key', db<ApiKeyRow>('api_keys').where({ token_hash: tokenHash }).first(...API_KEY_COLUMNS));
}

export function findApiKey(db: Db, orgId: string | null, id: string): Promise<ApiKeyRow | undefined> {
  const q = db<ApiKeyRow>('api_keys').where({ id });
  if (orgId) q.andWhere({ org_id: orgId });
  return q.first();
}

export function listApiKeys(db: Db, orgId: string, v: KeyVisibility, after: string | undefined, limit: number): Promise<ApiKeyRow[]> {
  const q = visible(db('api_keys').where({ org_id: orgId }), v).orderBy('id', 'asc').limit(limit);
  if (after) q.andWhere('id', '>', after);
  return q;
}

/** Returns the row whether it was revoked now or before: revoking twice is not an error. */
export async function revokeApiKey(db: Db, orgId: string | null, v: KeyVisibility, id: string): Promise<ApiKeyRow | undefined> {
  const q = visible(db('api_keys').where({ id }), v);
  if (orgId) q.andWhere({ org_id: orgId });
  const [row] = await q.clone().whereNull('revoked_at').update({ revoked_at: db.fn.now() as unknown as Date }).returning('*');
  return row ?? q.first();
}

/** Last-use is informational; writing it at most once a minute keeps auth off the write path. */
export async function touchApiKey(db: Db, id: string): Promise<void> {
  await db('api_keys')
    .where({ id })
    .andWhere((w) => w.whereNull('last_used_at').orWhere('last_used_at', '<', db.raw("now() - interval '1 minute'")))
    .update({ last_used_at: db.fn.now() });
}
