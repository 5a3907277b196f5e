import { createHash } from 'node:crypto';
import type { Db } from '../db/knex';
import * as store from '../db/idempotency';
import { ApiError, conflict, invalid } from '../errors';

/** A request that has held its key this long without finishing is presumed dead (process crash). */
const ABANDONED_AFTER_MS = 60_000;

export type Outcome = { kind: 'proceed' } | { kind: 'replay'; status: number; body: unknown };

/** Printable ASCII without spaces, as the OpenAPI document says too. */
export const IDEMPOTENCY_KEY_RE = /^[\x21-\x7e]{1,255}$/;

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value as object).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${path}\n${stableStringify(body)}`).digest('hex');
}

export async function begin(db: Db, owner: store.Owner, method: string, path: string, body: unknown): Promise<Outcome> {
  if (!IDEMPOTENCY_KEY_RE.test(owner.key)) {
    throw invalid('Idempotency-Key must be 1-255 printable ASCII characters', [{ path: 'Idempotency-Key', message: 'invalid header' }]);
  }
  const hash = requestHash(method, path, body);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await store.reserve(db, { ...owner, method, path, request_hash: hash })) return { kind: 'proceed' };
    const existing = await store.find(db, owner);
    if (!existing) continue; // released between our insert and read: try again
    const age = Date.now() - existing.created_at.getTime();
    const expired = age > store.IDEMPOTENCY_TTL_HOURS * 3600_000;
    if (!expired && existing.request_hash !== hash) {
      throw conflict('This Idempotency-Key was already used with a different request', [
        { path: 'Idempotency-Key', message: `first used for ${existing.method} ${existing.path} with another body` },
      ]);
    }
    if (!expired && existing.status_code !== null) {
      if (existing.response_bytes_not_kept !== null) throw notKept(existing.response_bytes_not_kept);
      return { kind: 'replay', status: existing.status_code, body: existing.response };
    }
    if (!expired && age < ABANDONED_AFTER_MS) throw stillProcessing();
    if (await store.takeOver(db, existing, hash, method, path)) return { kind: 'proceed' };
  }
  throw stillProcessing();
}

/**
 * Answers larger than this are not kept for replays: 24 hours of 10 MB explanations per request were the
 * table's to hold. The first answer says so (Idempotent-Replay-Kept: false), and a replay says it was done.
 */
export const MAX_KEPT_ANSWER_BYTES = 256 * 1024;

const notKept = (bytes: number) =>
  conflict(`This request was done already, but its answer (${Math.ceil(bytes / 1024)} KB) was larger than the ${MAX_KEPT_ANSWER_BYTES / 1024} KB kept for replays: it is not done again. Read its result with a GET.`, [
    { path: 'Idempotency-Key', message: 'the first answer was not kept' },
  ]);

/** The first request with this key has not answered yet: Retry-After says a retry will get its answer. */
const stillProcessing = () => new ApiError(409, 'CONFLICT', 'A request with this Idempotency-Key is still being processed; retry shortly', undefined, { 'Retry-After': '1' });

/** Client errors that a corrected retry should be free to fix are not remembered; neither are server errors. */
export function shouldRemember(status: number): boolean {
  return status < 500 && status !== 422 && status !== 429 && status !== 409;
}

/**
 * Remembers the response for replays. Secrets (a new key, a webhook's signing secret) are shown once and
 * never stored: the remembered response has them as null, which is what a replay returns. Returns false when
 * the answer was too large to keep (the request is still remembered as done).
 */
export async function finish(db: Db, owner: store.Owner, status: number, body: unknown, secretFields: readonly string[] = []): Promise<boolean> {
  if (!shouldRemember(status)) {
    await store.release(db, owner);
    return true;
  }
  const json = JSON.stringify(withoutSecrets(body, secretFields)) ?? 'null';
  const bytes = Buffer.byteLength(json);
  const kept = bytes <= MAX_KEPT_ANSWER_BYTES;
  await store.complete(db, owner, status, kept ? json : null, bytes);
  return kept;
}

function withoutSecrets(body: unknown, fields: readonly string[]): unknown {
  if (!fields.length || !body || typeof body !== 'object' || Array.isArray(body)) return body;
  const copy: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const f of fields) if (f in copy) copy[f] = null;
  return copy;
}
