import type { Db } from './knex';

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

export async function insertApiKey(db: Db, row: Omit<ApiKeyRow, 'created_at' | 'last_used_at' | 'revoked_at'>): Promise<ApiKeyRow> {
  const [created] = await db<ApiKeyRow>('api_keys').insert(row).returning('*');
  return created!;
}

export function findApiKeyByHash(db: Db, tokenHash: string): Promise<ApiKeyRow | undefined> {
  return db<ApiKeyRow>('api_keys').where({ token_hash: tokenHash }).first();
}

export function findApiKey(db: Db, orgId: string | null, id: string): Promise<ApiKeyRow | undefined> {
  const q = db<ApiKeyRow>('api_keys').where({ id });
  if (orgId) q.andWhere({ org_id: orgId });
  return q.first();
}

export function listApiKeys(db: Db, orgId: string, after: string | undefined, limit: number): Promise<ApiKeyRow[]> {
  const q = db<ApiKeyRow>('api_keys').where({ org_id: orgId }).orderBy('id', 'asc').limit(limit);
  if (after) q.andWhere('id', '>', after);
  return q;
}

/** Returns the row whether it was revoked now or before: revoking twice is not an error. */
export async function revokeApiKey(db: Db, orgId: string | null, id: string): Promise<ApiKeyRow | undefined> {
  const q = db<ApiKeyRow>('api_keys').where({ id }).whereNull('revoked_at');
  if (orgId) q.andWhere({ org_id: orgId });
  const [row] = await q.update({ revoked_at: db.fn.now() as unknown as Date }).returning('*');
  return row ?? findApiKey(db, orgId, id);
}

/** Last-use is informational; writing it at most once a minute keeps auth off the write path. */
export async function touchApiKey(db: Db, id: string): Promise<void> {
  await db('api_keys')
    .where({ id })
    .andWhere((w) => w.whereNull('last_used_at').orWhere('last_used_at', '<', db.raw("now() - interval '1 minute'")))
    .update({ last_used_at: db.fn.now() });
}
