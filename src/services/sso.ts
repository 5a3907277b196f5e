import * as oidc from 'openid-client';
import fs from 'node:fs';
import { openText, parseKeyring, sealText } from '../crypto/keyring';
import * as store from '../db/sso';
import * as users from '../db/users';
import { conflict, invalid, notFound, unauthorized } from '../errors';
import { newId, randomString } from '../ids';
import { guardedFetch } from '../net/guardedFetch';
import { outboundPolicy } from '../net/outbound';
import { ROLES, type Role, type SsoConnection, type SsoConnectionPut } from '../schemas/users';
import type { ServiceDeps } from './deps';
import { tokenHash } from './users';

/**
 * Single sign-on with OpenID Connect (authorization code with PKCE, state and nonce kept server side): a
 * person at one of the organization's email domains is sent to its identity provider, and on the way back
 * becomes a user just in time, with the role the provider's claims map to (or the default role).
 */
export const SSO_START_PATH = '/v1/sso/start';
export const SSO_CALLBACK_PATH = '/v1/sso/callback';
const LOGIN_MINUTES = 10;
type Deps = Pick<ServiceDeps, 'db' | 'config'>;

function keyring(deps: Deps) {
  if (!deps.config.ENCRYPTION_KEYS) throw conflict('This deployment has no ENCRYPTION_KEYS: the client secret is never stored in clear, so the operator must set it first');
  return parseKeyring(deps.config.ENCRYPTION_KEYS);
}

const redirectUri = (deps: Deps) => `${deps.config.PUBLIC_API_URL}${SSO_CALLBACK_PATH}`;

function present(deps: Deps, row: store.SsoConnectionRow): SsoConnection {
  return {
    issuer: row.issuer,
    client_id: row.client_id,
    client_secret: '********',
    email_domains: row.email_domains,
    default_role: row.default_role as Role,
    role_claim: row.role_claim,
    role_map: row.role_map as Record<string, Role>,
    redirect_uri: redirectUri(deps),
    start_url: `${deps.config.PUBLIC_API_URL}${SSO_START_PATH}`,
    updated_at: row.updated_at.toISOString(),
  };
}

export async function getSso(deps: Deps, orgId: string): Promise<SsoConnection> {
  const row = await store.findSso(deps.db, orgId);
  if (!row) throw notFound('Single sign-on connection');
  return present(deps, row);
}

export async function putSso(deps: Deps, orgId: string, input: SsoConnectionPut): Promise<SsoConnection> {
  const ring = keyring(deps);
  const current = await store.findSso(deps.db, orgId);
  if (!input.client_secret && !current) throw invalid('client_secret is required to connect', [{ path: 'client_secret', message: 'required the first time' }]);
  const domains = [...new Set(input.email_domains)];
  const taken = await store.domainsTakenElsewhere(deps.db, orgId, domains);
  if (taken.length) throw conflict(`Another organization signs in people at ${taken.join(', ')}`, taken.map((d) => ({ path: 'email_domains', message: `${d} belongs to another organization` })));
  const row = await store.putSso(deps.db, {
    org_id: orgId,
    issuer: input.issuer,
    client_id: input.client_id,
    client_secret: input.client_secret ? sealText(ring, input.client_secret) : current!.client_secret,
    email_domains: domains,
    default_role: input.default_role,
    role_claim: input.role_claim ?? null,
    role_map: input.role_map ?? {},
  });
  return present(deps, row);
}

export async function deleteSso(deps: Deps, orgId: string): Promise<SsoConnection> {
  const shown = await getSso(deps, orgId);
  await store.deleteSso(deps.db, orgId);
  return shown;
}

/** The provider's configuration, read through the outbound guard. */
async function providerOf(deps: Deps, row: store.SsoConnectionRow): Promise<oidc.Configuration> {
  const secret = openText(keyring(deps), row.client_secret);
  const ca = deps.config.OUTBOUND_CA_FILE ? fs.readFileSync(deps.config.OUTBOUND_CA_FILE, 'utf8') : undefined;
  const fetcher = guardedFetch(outboundPolicy(deps.config.OUTBOUND_TARGETS), { timeoutMs: 10_000, maxBodyBytes: 1024 * 1024, ca });
  const issuer = new URL(row.issuer);
  // Plain HTTP only where the operator's OUTBOUND_TARGETS lets such a target through (a provider on loopback in a test).
  const execute = issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [];
  try {
    const config = await oidc.discovery(issuer, row.client_id, secret, undefined, { execute, [oidc.customFetch]: fetcher as oidc.CustomFetch });
    config[oidc.customFetch] = fetcher as oidc.CustomFetch;
    return config;
  } catch (err) {
    throw unauthorized(`The identity provider ${row.issuer} could not be read: ${(err as Error).message.slice(0, 200)}`);
  }
}

/** Where to send the browser: the provider's authorization URL, and the state its cookie must carry back. */
export async function startSso(deps: Deps, email: string): Promise<{ url: string; state: string }> {
  const domain = email.trim().toLowerCase().split('@')[1];
  const row = domain ? await store.findSsoByDomain(deps.db, domain) : undefined;
  if (!row) throw notFound('Single sign-on for this email domain');
  const provider = await providerOf(deps, row);
  const state = randomString(32);
  const nonce = randomString(32);
  const verifier = oidc.randomPKCECodeVerifier();
  await store.insertSsoLogin(deps.db, { state_hash: tokenHash(state), org_id: row.org_id, nonce, code_verifier: verifier, expires_at: new Date(Date.now() + LOGIN_MINUTES * 60_000) });
  const url = oidc.buildAuthorizationUrl(provider, {
    redirect_uri: redirectUri(deps),
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    login_hint: email,
  });
  return { url: url.href, state };
}

const RANK: Record<Role, number> = Object.fromEntries(ROLES.map((r, i) => [r, ROLES.length - i])) as Record<Role, number>;

/** The highest role the claim's values map to, or null when the claim maps to none. */
function roleFromClaims(row: store.SsoConnectionRow, claims: Record<string, unknown>): Role | null {
  if (!row.role_claim) return null;
  const raw = claims[row.role_claim];
  const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string');
  const roles = values.map((v) => row.role_map[v] as Role | undefined).filter((r): r is Role => Boolean(r));
  return roles.sort((a, b) => RANK[b] - RANK[a])[0] ?? null;
}

/**
 * The provider's answer to a user: the code exchanged (state, nonce and PKCE checked), the email read from
 * userinfo (verified, at one of the connection's domains), the user made or updated. `cookieState` is the
 * state this browser was given; the answer must carry the same.
 */
export async function finishSso(deps: Deps, callbackUrl: URL, cookieState: string | undefined): Promise<users.UserRow> {
  const state = callbackUrl.searchParams.get('state') ?? '';
  if (!cookieState || cookieState !== state) throw unauthorized('This sign-in was not started in this browser: start again');
  const login = await store.takeSsoLogin(deps.db, tokenHash(state));
  if (!login) throw unauthorized('This sign-in has expired or was already used: start again');
  const row = await store.findSso(deps.db, login.org_id);
  if (!row) throw unauthorized('Single sign-on is no longer set up for this organization');
  const provider = await providerOf(deps, row);
  let claims: Record<string, unknown>;
  try {
    const tokens = await oidc.authorizationCodeGrant(provider, callbackUrl, { pkceCodeVerifier: login.code_verifier, expectedState: state, expectedNonce: login.nonce });
    const sub = tokens.claims()!.sub;
    claims = { ...tokens.claims(), ...(await oidc.fetchUserInfo(provider, tokens.access_token, sub)) };
  } catch (err) {
    throw unauthorized(`The identity provider's answer was refused: ${(err as Error).message.slice(0, 200)}`);
  }
  const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : null;
  if (!email || claims.email_verified === false) throw unauthorized('The identity provider gave no verified email');
  if (!row.email_domains.includes(email.split('@')[1]!)) throw unauthorized(`${email} is not at a domain this organization signs in (${row.email_domains.join(', ')})`);
  const mapped = roleFromClaims(row, claims);
  const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim().slice(0, 200) : email;
  const existing = await users.findUserByEmail(deps.db, email);
  if (existing && existing.org_id !== row.org_id) throw unauthorized(`${email} is a user of another organization`);
  if (existing && !existing.active) throw unauthorized(`${email} has been deactivated in this organization`);
  if (existing) return mapped && mapped !== existing.role ? users.setRole(deps.db, existing.id, mapped) : existing;
  const made = await users.insertUser(deps.db, { id: newId('user'), org_id: row.org_id, email, name, role: mapped ?? row.default_role, password_hash: null });
  if (!made) throw unauthorized(`${email} became a user elsewhere meanwhile: start again`);
  return made;
}
