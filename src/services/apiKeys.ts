import { createHash } from 'node:crypto';
import type { ServiceDeps } from './deps';
import * as keys from '../db/apiKeys';
import { newId, randomString } from '../ids';
import { conflict, forbidden, notFound, unauthorized } from '../errors';
import { OPERATOR_SCOPES, type ApiKey, type ApiKeyCreate, type ApiKeyCreated, type Scope } from '../schemas/apiKeys';
import type { Page, PageQuery } from '../schemas/common';
import { iso, toPage } from './paging';

export interface Principal {
  orgId: string;
  /** The API key, or for a person signed in to the console their user id (what limits and idempotency key on). */
  keyId: string;
  /** Set when a person signed in to the console makes the request. */
  userId?: string;
  kind: 'SECRET' | 'RESTRICTED';
  scopes: ReadonlySet<Scope>;
  /** A manager signed in: the teams whose intelligence they may see (keys and other roles see every team). */
  teams?: readonly string[];
}

const TOKEN_RE = /^(sk|rk)_live_[0-9a-z]{40}$/;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function hasScope(p: Principal, scope: Scope): boolean {
  if (OPERATOR_SCOPES.includes(scope)) return p.scopes.has(scope);
  return p.kind === 'SECRET' || p.scopes.has(scope);
}

/** Every request reads the key row, so a revocation is honoured on the very next request. */
export async function authenticate(deps: Pick<ServiceDeps, 'db'>, header: string | undefined): Promise<Principal> {
  const { db } = deps;
  if (!header) throw unauthorized('Missing API key: send "Authorization: Bearer <key>"');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthorized('Malformed Authorization header: expected "Bearer <key>"');
  const token = match[1]!;
  if (!TOKEN_RE.test(token)) throw unauthorized('Malformed API key');
  const row = await keys.findApiKeyByHash(db, hashToken(token));
  if (!row) throw unauthorized('Unknown API key');
  if (row.revoked_at) throw unauthorized('This API key has been revoked');
  // Last use is kept to the minute: the row just read says whether this request needs to write it at all.
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) void keys.touchApiKey(db, row.id).catch(() => undefined);
  return { orgId: row.org_id, keyId: row.id, kind: row.kind, scopes: new Set(row.scopes as Scope[]) };
}

function present(row: keys.ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    scopes: row.scopes as Scope[],
    token_hint: row.token_hint,
    created_at: row.created_at.toISOString(),
    last_used_at: iso(row.last_used_at),
    revoked_at: iso(row.revoked_at),
  };
}

/**
 * `creator` is the key making the request (absent for the admin CLI). A restricted key may only mint keys
 * narrower than itself; otherwise keys:write would be a path to every other scope.
 */
/** `maxKeys` (the API's and the CLI's limit) is left out only by development and test bootstrapping. */
export async function createKey(
  deps: Pick<ServiceDeps, 'db'>,
  orgId: string,
  input: ApiKeyCreate,
  opts: { creator?: Principal; maxKeys?: number } = {},
): Promise<ApiKeyCreated & { secret: string }> {
  const { db } = deps;
  const restricted = input.scopes !== undefined;
  const { creator } = opts;
  const operatorScopes = (input.scopes ?? []).filter((s) => OPERATOR_SCOPES.includes(s));
  // Operator scopes are never a tenant's: they go on operator keys (operatorKeys.ts), outside every organization.
  if (operatorScopes.length) {
    throw forbidden(`${operatorScopes.join(', ')} is an operator scope: it belongs on an operator key, which only the admin CLI makes (keys create --operator)`);
  }
  if (creator && creator.kind === 'RESTRICTED') {
    if (!restricted) throw forbidden('A restricted key cannot create a secret key');
    const missing = input.scopes!.filter((s) => !creator.scopes.has(s));
    if (missing.length) throw forbidden(`A restricted key cannot grant scopes it does not hold: ${missing.join(', ')}`);
  }
  const secret = `${restricted ? 'rk' : 'sk'}_live_${randomString(40)}`;
  const row = await keys.insertApiKeyWithin(db, opts.maxKeys ?? Infinity, {
    id: newId('key'),
    org_id: orgId,
    name: input.name,
    kind: restricted ? 'RESTRICTED' : 'SECRET',
    token_hash: hashToken(secret),
    token_hint: `${secret.slice(0, 8)}…${secret.slice(-4)}`,
    scopes: restricted ? [...input.scopes!].sort() : [],
  });
  if (!row) throw conflict(`This organization already has ${opts.maxKeys} active API keys; revoke one before creating another`);
  return { ...present(row), secret };
}

/**
 * The keys a principal may see and revoke: all of them for a secret key (or the operator's CLI), and for a
 * restricted key only restricted keys whose scopes it holds itself, so it can never lock out the admins.
 */
function visibleTo(viewer: Principal | null): keys.KeyVisibility {
  return viewer && viewer.kind === 'RESTRICTED' ? { scopesWithin: [...viewer.scopes] } : {};
}

export async function listKeys(deps: Pick<ServiceDeps, 'db'>, viewer: Principal, page: PageQuery): Promise<Page<ApiKey>> {
  const { db } = deps;
  const rows = await keys.listApiKeys(db, viewer.orgId, visibleTo(viewer), page.cursor, page.limit + 1);
  return toPage(rows, page.limit, present);
}

/** A null viewer is the operator's CLI, which may revoke any key of any organization. */
export async function revokeKey(deps: Pick<ServiceDeps, 'db'>, viewer: Principal | null, id: string): Promise<ApiKey> {
  const { db } = deps;
  const row = await keys.revokeApiKey(db, viewer?.orgId ?? null, visibleTo(viewer), id);
  if (!row) throw notFound('API key');
  return present(row);
}
