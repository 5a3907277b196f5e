import type { Db } from './knex';

/** A key of the people who run the deployment, not of any tenant (payloads:decode). */
export interface OperatorKeyRow {
  id: string;
  name: string;
  token_hash: string;
  token_hint: string;
  scopes: string[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export async function insertOperatorKey(db: Db, row: Omit<OperatorKeyRow, 'created_at' | 'last_used_at' | 'revoked_at'>): Promise<OperatorKeyRow> {
  const [created] = await db<OperatorKeyRow>('operator_keys').insert(row).returning('*');
  return created!;
}

export function findOperatorKeyByHash(db: Db, tokenHash: string): Promise<OperatorKeyRow | undefined> {
  return db<OperatorKeyRow>('operator_keys').where({ token_hash: tokenHash }).first();
}

export function listOperatorKeys(db: Db): Promise<OperatorKeyRow[]> {
  return db<OperatorKeyRow>('operator_keys').orderBy('id');
}

/** Returns the row whether it was revoked now or before. */
export async function revokeOperatorKey(db: Db, id: string): Promise<OperatorKeyRow | undefined> {
  const [row] = await db<OperatorKeyRow>('operator_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: db.fn.now() as unknown as Date }).returning('*');
  return row ?? db<OperatorKeyRow>('operator_keys').where({ id }).first();
}

export async function touchOperatorKey(db: Db, id: string): Promise<void> {
  await db('operator_keys').where({ id }).update({ last_used_at: db.fn.now() });
}
