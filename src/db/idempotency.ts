import type { Db } from './knex';

export interface IdempotencyRow {
  org_id: string;
  /** The API key that sent it: a key's Idempotency-Keys are its own. */
  api_key_id: string;
  key: string;
  method: string;
  path: string;
  request_hash: string;
  status_code: number | null;
  response: unknown;
  /** Set instead of `response` when the answer was too large to keep: its size in bytes. */
  response_bytes_not_kept: number | null;
  created_at: Date;
  completed_at: Date | null;
}

/** Inserts a reservation; returns null when the key already exists. */
export type Owner = Pick<IdempotencyRow, 'org_id' | 'api_key_id' | 'key'>;

export async function reserve(db: Db, row: Owner & Pick<IdempotencyRow, 'method' | 'path' | 'request_hash'>): Promise<IdempotencyRow | null> {
  const [created] = await db('idempotency_keys').insert(row).onConflict(['org_id', 'api_key_id', 'key']).ignore().returning('*');
  return (created as IdempotencyRow | undefined) ?? null;
}

export function find(db: Db, owner: Owner): Promise<IdempotencyRow | undefined> {
  return db<IdempotencyRow>('idempotency_keys').where(owner).first();
}

/**
 * Takes over a reservation whose request died (or an expired key) — only if nobody else took it over since
 * we read it, which the created_at comparison guarantees.
 */
export async function takeOver(db: Db, old: IdempotencyRow, hash: string, method: string, path: string): Promise<boolean> {
  const n = await db('idempotency_keys')
    .where({ org_id: old.org_id, api_key_id: old.api_key_id, key: old.key, created_at: old.created_at })
    .update({ request_hash: hash, method, path, status_code: null, response: null, response_bytes_not_kept: null, completed_at: null, created_at: db.fn.now() });
  return n === 1;
}

/** Records the answer (JSON text), or, when `json` is null, only that an answer of `bytes` was given. */
export async function complete(db: Db, owner: Owner, status: number, json: string | null, bytes: number): Promise<void> {
  await db('idempotency_keys')
    .where(owner)
    .update({ status_code: status, response: json, response_bytes_not_kept: json === null ? bytes : null, completed_at: db.fn.now() });
}

export async function release(db: Db, owner: Owner): Promise<void> {
  await db('idempotency_keys').where(owner).whereNull('status_code').delete();
}

/** Keys are remembered for a day, like most payment APIs do; the maintenance schedule purges older ones. */
export const IDEMPOTENCY_TTL_HOURS = 24;

export async function purgeOlderThan(db: Db, hours: number): Promise<number> {
  return db('idempotency_keys').where('created_at', '<', db.raw(`now() - make_interval(hours => ?)`, [hours])).delete();
}
