import { verify } from '@node-rs/argon2';
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as store from '../db/users';
import { ApiError, forbidden, unauthorized } from '../errors';
import { randomString } from '../ids';
import type { Session, SignIn } from '../schemas/users';
import { ROLE_SCOPES, type Role } from '../schemas/users';
import type { Principal } from './apiKeys';
import type { ServiceDeps } from './deps';
import { hashPassword, presentUser, tokenHash } from './users';

/**
 * Console sessions: a random token in an HttpOnly cookie, only its hash stored, so a sign-out, a role change
 * or a deactivation takes effect on the next request. They end after SESSION_IDLE_MINUTES without a request
 * and SESSION_MAX_HOURS after sign-in whatever happens. Requests that change something also carry the
 * session's CSRF token, which a page on another site cannot read.
 */
export const SESSION_COOKIE = 'routeswit_session';
const TOKEN_RE = /^[0-9a-z]{43}$/;
/** Verified when the email is unknown, so the answer takes as long as for a wrong password. */
let decoy: Promise<string> | null = null;

type Deps = Pick<ServiceDeps, 'db' | 'config'>;

export const csrfTokenOf = (token: string): string => createHmac('sha256', token).update('routeswit csrf').digest('base64url');

export function csrfMatches(token: string, sent: string | undefined): boolean {
  if (!sent) return false;
  const want = Buffer.from(csrfTokenOf(token));
  const got = Buffer.from(sent);
  return got.length === want.length && timingSafeEqual(got, want);
}

const idleSince = (deps: Deps, now = Date.now()) => new Date(now - deps.config.SESSION_IDLE_MINUTES * 60_000);

function present(deps: Deps, token: string, user: store.UserRow, session: store.SessionRow, seenAt = Date.now()): Session {
  const idleEnd = Math.min(seenAt + deps.config.SESSION_IDLE_MINUTES * 60_000, session.expires_at.getTime());
  return {
    user: presentUser(user),
    organization_id: user.org_id,
    scopes: [...ROLE_SCOPES[user.role as Role]],
    csrf_token: csrfTokenOf(token),
    idle_expires_at: new Date(idleEnd).toISOString(),
    expires_at: session.expires_at.toISOString(),
  };
}

const locked = (until: Date) =>
  new ApiError(429, 'RATE_LIMITED', `Too many wrong passwords: this account is locked until ${until.toISOString()}`, undefined, { 'Retry-After': String(Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000))) });

/** Email and password to a new session. Every failure but a lockout reads the same: which part was wrong is not said. */
export async function signIn(deps: Deps, input: SignIn): Promise<{ token: string; session: Session }> {
  const user = await store.findUserByEmail(deps.db, input.email.trim());
  const refused = unauthorized('Wrong email or password');
  if (!user?.password_hash || !user.active) {
    decoy ??= hashPassword(randomString(20));
    await verify(await decoy, input.password).catch(() => false);
    throw refused;
  }
  if (user.locked_until && user.locked_until.getTime() > Date.now()) throw locked(user.locked_until);
  if (!(await verify(user.password_hash, input.password).catch(() => false))) {
    const after = await store.countFailedSignIn(deps.db, user.id, deps.config.SIGN_IN_MAX_FAILURES, deps.config.SIGN_IN_LOCK_MINUTES * 60);
    if (after.locked_until && after.locked_until.getTime() > Date.now()) throw locked(after.locked_until);
    throw refused;
  }
  await store.countSignIn(deps.db, user.id);
  return startSession(deps, user);
}

/** A new session for the user; their ended ones go now (so the table holds live sessions and a few more). */
export async function startSession(deps: Deps, user: store.UserRow): Promise<{ token: string; session: Session }> {
  await store.purgeUserSessions(deps.db, user.id, idleSince(deps));
  const token = randomString(43);
  const row = await store.insertSession(deps.db, { token_hash: tokenHash(token), user_id: user.id, expires_at: new Date(Date.now() + deps.config.SESSION_MAX_HOURS * 3_600_000) });
  return { token, session: present(deps, token, user, row) };
}

async function live(deps: Deps, token: string | undefined) {
  if (!token || !TOKEN_RE.test(token)) return undefined;
  const found = await store.findLiveSession(deps.db, tokenHash(token), idleSince(deps));
  if (!found) return undefined;
  // Seen to the half-minute: most requests need not write at all.
  if (Date.now() - found.session.last_seen_at.getTime() > 30_000) await store.touchSession(deps.db, tokenHash(token));
  return found;
}

/**
 * The principal of a request made with a session cookie: the user's role as scopes (read now, so a change is
 * honoured at once). `unsafe` requests (anything but GET and HEAD) must carry the CSRF token.
 */
export async function authenticateSession(deps: Deps, token: string, csrf: string | undefined, unsafe: boolean): Promise<Principal> {
  const found = await live(deps, token);
  if (!found) throw unauthorized('Your session has ended: sign in again');
  if (unsafe && !csrfMatches(token, csrf)) throw forbidden('Missing or wrong X-CSRF-Token: send the csrf_token of GET /v1/session with every change');
  const role = found.user.role as Role;
  return {
    orgId: found.user.org_id,
    keyId: found.user.id,
    userId: found.user.id,
    kind: role === 'owner' ? 'SECRET' : 'RESTRICTED',
    scopes: new Set(ROLE_SCOPES[role]),
    ...(role === 'manager' ? { teams: found.user.teams } : {}),
  };
}

export async function currentSession(deps: Deps, token: string | undefined): Promise<Session> {
  const found = await live(deps, token);
  if (!found) throw unauthorized('Not signed in');
  return present(deps, token!, found.user, found.session);
}

export async function signOut(deps: Deps, token: string, csrf: string | undefined): Promise<void> {
  if (!(await live(deps, token))) return;
  if (!csrfMatches(token, csrf)) throw forbidden('Missing or wrong X-CSRF-Token');
  await store.deleteSession(deps.db, tokenHash(token));
}
