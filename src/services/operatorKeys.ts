import * as store from '../db/operatorKeys';
import { newId, randomString } from '../ids';
import { forbidden, unauthorized } from '../errors';
import type { ServiceDeps } from './deps';
import { hashToken } from './apiKeys';

/**
 * Keys for the operator's own tools (the codec endpoint that the Temporal Web UI and CLI decode payloads
 * through), kept apart from every tenant: no organization's key can list or revoke them, and they open no
 * tenant route. Only the admin CLI makes them. Keys moved here from a tenant keep their rk_live_ token.
 */
export interface OperatorPrincipal {
  keyId: string;
  scopes: ReadonlySet<string>;
}

export const OPERATOR_KEY_SCOPES = ['payloads:decode'] as const;
const TOKEN_RE = /^(ok|rk)_live_[0-9a-z]{40}$/;

export async function createOperatorKey(deps: Pick<ServiceDeps, 'db'>, name: string): Promise<{ id: string; name: string; scopes: string[]; secret: string }> {
  const secret = `ok_live_${randomString(40)}`;
  const row = await store.insertOperatorKey(deps.db, {
    id: newId('operatorKey'),
    name,
    token_hash: hashToken(secret),
    token_hint: `${secret.slice(0, 8)}…${secret.slice(-4)}`,
    scopes: [...OPERATOR_KEY_SCOPES],
  });
  return { id: row.id, name: row.name, scopes: row.scopes, secret };
}

export async function authenticateOperator(deps: Pick<ServiceDeps, 'db'>, header: string | undefined, scope: (typeof OPERATOR_KEY_SCOPES)[number]): Promise<OperatorPrincipal> {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
  if (!token) throw unauthorized('Missing operator key: send "Authorization: Bearer <key>"');
  if (!TOKEN_RE.test(token)) throw unauthorized('Malformed operator key');
  const row = await store.findOperatorKeyByHash(deps.db, hashToken(token));
  // A tenant's key is not an operator key, whatever its scopes: it is as unknown here as a wrong one.
  if (!row) throw unauthorized('Unknown operator key (operator keys are made with `npm run routeswit -- keys create --operator`)');
  if (row.revoked_at) throw unauthorized('This operator key has been revoked');
  if (!row.scopes.includes(scope)) throw forbidden(`This operator key lacks the ${scope} scope`);
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) void store.touchOperatorKey(deps.db, row.id).catch(() => undefined);
  return { keyId: row.id, scopes: new Set(row.scopes) };
}
