import { hash } from '@node-rs/argon2';
import { createHash } from 'node:crypto';
import * as store from '../db/users';
import { conflict, notFound } from '../errors';
import { newId, randomString } from '../ids';
import { sendMail } from '../net/mail';
import { outboundPolicy } from '../net/outbound';
import type { Page, PageQuery } from '../schemas/common';
import type { Invitation, InvitationAccept, InvitationCreate, Role, User, UserUpdate } from '../schemas/users';
import type { ServiceDeps } from './deps';
import { iso, toPage } from './paging';

/**
 * The people of an organization: invited by email with a single-use link that expires, who set their own
 * password on accepting it. Passwords are Argon2id hashes (the library's defaults: OWASP's 19 MiB, 2 passes).
 */
export const ARGON2ID = 2;
export const hashPassword = (password: string): Promise<string> => hash(password, { algorithm: ARGON2ID });
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');
/** The console page that accepts an invitation; the token rides in the fragment, which no server or Referer sees. */
export const ACCEPT_PATH = '/console/accept';

export function presentUser(row: store.UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role as Role,
    teams: row.teams,
    active: row.active,
    sign_in: row.password_hash ? 'PASSWORD' : 'NONE',
    locked_until: row.locked_until && row.locked_until.getTime() > Date.now() ? row.locked_until.toISOString() : null,
    last_sign_in_at: iso(row.last_sign_in_at),
    created_at: row.created_at.toISOString(),
  };
}

export async function getUser(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string): Promise<User> {
  const row = await store.findUser(deps.db, orgId, id);
  if (!row) throw notFound('User');
  return presentUser(row);
}

export async function listUsers(deps: Pick<ServiceDeps, 'db'>, orgId: string, q: PageQuery): Promise<Page<User>> {
  return toPage(await store.listUsers(deps.db, orgId, q.cursor, q.limit + 1), q.limit, presentUser);
}

export async function updateUser(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string, patch: UserUpdate): Promise<User> {
  const row = await store.updateUserKeepingAnOwner(deps.db, orgId, id, patch);
  if (!row) throw notFound('User');
  if (row === 'LAST_OWNER') throw conflict('The organization would have no active owner left: make someone else owner first', [{ path: patch.role ? 'role' : 'active', message: 'the last active owner' }]);
  return presentUser(row);
}

/** Deactivates (the audit log and leads keep naming them): signed out at once, and never again signed in. */
export const deactivateUser = (deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string): Promise<User> => updateUser(deps, orgId, id, { active: false });

async function emailInvitation(deps: Pick<ServiceDeps, 'config' | 'logger'>, to: string, role: Role, url: string, hours: number): Promise<boolean> {
  const { config } = deps;
  if (!config.SMTP_URL) return false;
  const text = `You are invited to Routeswit as ${role}.\n\nSet your password and sign in here (the link works once, for ${hours} hours):\n${url}\n`;
  try {
    // The operator's own server and From: not a tenant's choice, so not guarded like a tenant's target.
    await sendMail({ url: config.SMTP_URL, guarded: false }, outboundPolicy(config.OUTBOUND_TARGETS), { from: config.MAIL_FROM, to, subject: 'Your Routeswit invitation', text, html: text.replace(/\n/g, '<br>') });
    return true;
  } catch (err) {
    deps.logger.warn({ err: (err as Error).message }, 'the invitation email was not sent');
    return false;
  }
}

/**
 * An invitation to `input.email` with `input.role`: the link is in the answer once (for an owner without
 * SMTP to pass on) and in the email. An email already used by a user of another organization is refused.
 */
export async function invite(deps: Pick<ServiceDeps, 'db' | 'config' | 'logger'>, orgId: string, invitedBy: string | null, input: InvitationCreate): Promise<Invitation> {
  const existing = await store.findUserByEmail(deps.db, input.email);
  if (existing && existing.org_id !== orgId) throw conflict('This email belongs to a user of another organization', [{ path: 'email', message: 'already a user elsewhere' }]);
  if (existing?.password_hash && existing.active) throw conflict('This person is already a user here: change their role instead', [{ path: 'email', message: 'already a user' }]);
  const token = randomString(43);
  const hours = deps.config.INVITATION_HOURS;
  const row = await store.insertInvitation(deps.db, {
    id: newId('invitation'),
    org_id: orgId,
    email: input.email,
    role: input.role,
    token_hash: tokenHash(token),
    invited_by_user_id: invitedBy,
    expires_at: new Date(Date.now() + hours * 3_600_000),
  });
  const url = `${deps.config.PUBLIC_API_URL}${ACCEPT_PATH}#token=${token}`;
  const emailed = await emailInvitation(deps, input.email, input.role, url, hours);
  return { id: row.id, email: row.email, role: row.role as Role, expires_at: row.expires_at.toISOString(), accept_url: url, emailed, created_at: row.created_at.toISOString() };
}

/**
 * Uses an invitation up and makes (or, for a person invited again, updates) its user with the password
 * chosen. Unknown, used and expired links all get the same answer.
 */
export async function acceptInvitation(deps: Pick<ServiceDeps, 'db'>, input: InvitationAccept): Promise<store.UserRow> {
  const passwordHash = await hashPassword(input.password);
  return deps.db.transaction(async (trx) => {
    const inv = await store.takeInvitation(trx, tokenHash(input.token));
    if (!inv) throw notFound('Invitation (the link is unknown, already used or expired)');
    const existing = await store.findUserByEmail(trx, inv.email);
    if (existing && existing.org_id !== inv.org_id) throw conflict('This email became a user of another organization since the invitation was sent');
    if (existing) {
      return store.resetInvitedUser(trx, existing.id, { password_hash: passwordHash, name: input.name, role: inv.role });
    }
    const row = await store.insertUser(trx, { id: newId('user'), org_id: inv.org_id, email: inv.email, name: input.name, role: inv.role, password_hash: passwordHash });
    if (!row) throw conflict('This email is already a user');
    return row;
  });
}

/** The admin CLI's and `npm run dev`'s first owner: the user, and an invitation link to set a password with. */
export async function createUserWithLink(deps: Pick<ServiceDeps, 'db' | 'config' | 'logger'>, orgId: string, email: string, role: Role, name = email.split('@')[0]!): Promise<{ user: User; acceptUrl: string }> {
  let row = await store.findUserByEmail(deps.db, email);
  if (row && row.org_id !== orgId) throw conflict(`${email} is a user of another organization`);
  row ??= (await store.insertUser(deps.db, { id: newId('user'), org_id: orgId, email, name, role, password_hash: null })) ?? undefined;
  if (!row) throw conflict(`${email} is already a user`);
  const inv = await invite(deps, orgId, null, { email, role });
  return { user: presentUser(row), acceptUrl: inv.accept_url! };
}
