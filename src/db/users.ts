import { pgCode, PG, type Db } from './knex';

export interface UserRow {
  id: string;
  org_id: string;
  email: string;
  name: string;
  role: string;
  /** A manager's teams: what of the intelligence they see. */
  teams: string[];
  password_hash: string | null;
  failed_sign_ins: number;
  locked_until: Date | null;
  active: boolean;
  last_sign_in_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type NewUser = Pick<UserRow, 'id' | 'org_id' | 'email' | 'name' | 'role' | 'password_hash'>;

/** Null when the email is taken (by any organization: a person signs in with their email alone). */
export async function insertUser(db: Db, row: NewUser): Promise<UserRow | null> {
  try {
    const [created] = await db<UserRow>('users').insert(row).returning('*');
    return created!;
  } catch (err) {
    if (pgCode(err) === PG.UNIQUE_VIOLATION) return null;
    throw err;
  }
}

export const findUserByEmail = (db: Db, email: string): Promise<UserRow | undefined> => db<UserRow>('users').whereRaw('lower(email) = lower(?)', [email]).first();

export const findOwnerWithPassword = (db: Db, orgId: string): Promise<UserRow | undefined> =>
  db<UserRow>('users').where({ org_id: orgId, role: 'owner', active: true }).whereNotNull('password_hash').orderBy('id').first();

export const findUser = (db: Db, orgId: string, id: string): Promise<UserRow | undefined> => db<UserRow>('users').where({ org_id: orgId, id }).first();

export const listUsers = (db: Db, orgId: string, after: string | undefined, limit: number): Promise<UserRow[]> =>
  db<UserRow>('users')
    .where({ org_id: orgId })
    .modify((q) => (after ? q.where('id', '>', after) : q))
    .orderBy('id')
    .limit(limit);

/**
 * Changes a user unless it would leave the organization without an active owner (then null): the
 * organization's owners are locked for the check, so two demotions at once cannot both pass.
 */
export async function updateUserKeepingAnOwner(db: Db, orgId: string, id: string, patch: Partial<Pick<UserRow, 'role' | 'active' | 'name' | 'teams'>>): Promise<UserRow | 'LAST_OWNER' | undefined> {
  return db.transaction(async (trx) => {
    const owners = await trx<UserRow>('users').where({ org_id: orgId, role: 'owner', active: true }).forUpdate().select('id');
    const user = await trx<UserRow>('users').where({ org_id: orgId, id }).forUpdate().first();
    if (!user) return undefined;
    const stillOwner = (patch.role ?? user.role) === 'owner' && (patch.active ?? user.active);
    if (user.role === 'owner' && user.active && !stillOwner && owners.length <= 1) return 'LAST_OWNER';
    const [updated] = await trx<UserRow>('users').where({ id }).update({ ...patch, updated_at: trx.fn.now() }).returning('*');
    if (patch.active === false || (patch.role && patch.role !== user.role)) await trx('sessions').where({ user_id: id }).delete();
    return updated!;
  });
}

/** A person invited again (or made by the CLI) who accepts: their password, name and role, active, unlocked. */
export async function resetInvitedUser(db: Db, id: string, set: Pick<UserRow, 'password_hash' | 'name' | 'role'>): Promise<UserRow> {
  const [row] = await db<UserRow>('users').where({ id }).update({ ...set, active: true, failed_sign_ins: 0, locked_until: null, updated_at: db.fn.now() }).returning('*');
  return row!;
}

/** Counts a failed sign-in; the `max`th in a row locks the account for `lockSeconds`. */
export async function countFailedSignIn(db: Db, id: string, max: number, lockSeconds: number): Promise<UserRow> {
  const [row] = await db<UserRow>('users')
    .where({ id })
    .update({
      failed_sign_ins: db.raw('failed_sign_ins + 1'),
      locked_until: db.raw("CASE WHEN failed_sign_ins + 1 >= ? THEN now() + make_interval(secs => ?) ELSE locked_until END", [max, lockSeconds]),
    })
    .returning('*');
  return row!;
}

/** The role an identity provider says a person has now; their other sessions end, as with any role change. */
export async function setRole(db: Db, id: string, role: string): Promise<UserRow> {
  return db.transaction(async (trx) => {
    const [row] = await trx<UserRow>('users').where({ id }).update({ role, updated_at: trx.fn.now() }).returning('*');
    await trx('sessions').where({ user_id: id }).delete();
    return row!;
  });
}

export async function countSignIn(db: Db, id: string): Promise<void> {
  await db('users').where({ id }).update({ failed_sign_ins: 0, locked_until: null, last_sign_in_at: db.fn.now() });
}

export interface SessionRow {
  token_hash: string;
  user_id: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
}

export async function insertSession(db: Db, row: Pick<SessionRow, 'token_hash' | 'user_id' | 'expires_at'>): Promise<SessionRow> {
  const [created] = await db<SessionRow>('sessions').insert(row).returning('*');
  return created!;
}

/** The session and its user, if the session has not expired (absolutely, or idle since `idleSince`). */
export async function findLiveSession(db: Db, tokenHash: string, idleSince: Date): Promise<{ session: SessionRow; user: UserRow } | undefined> {
  const row = await db('sessions as s')
    .join('users as u', 'u.id', 's.user_id')
    .where('s.token_hash', tokenHash)
    .where('s.expires_at', '>', db.fn.now())
    .where('s.last_seen_at', '>', idleSince)
    .where('u.active', true)
    .first(db.raw('to_jsonb(s.*) AS session, to_jsonb(u.*) AS "user"'));
  if (!row) return undefined;
  const dates = <T extends object>(o: Record<string, unknown>, keys: string[]): T => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, keys.includes(k) && typeof v === 'string' ? new Date(v) : v])) as T;
  return {
    session: dates<SessionRow>(row.session, ['created_at', 'last_seen_at', 'expires_at']),
    user: dates<UserRow>(row.user, ['locked_until', 'last_sign_in_at', 'created_at', 'updated_at']),
  };
}

export async function touchSession(db: Db, tokenHash: string): Promise<void> {
  await db('sessions').where({ token_hash: tokenHash }).update({ last_seen_at: db.fn.now() });
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db('sessions').where({ token_hash: tokenHash }).delete();
}

/** A user's sessions past their absolute end, or idle since `idleSince`: nobody can use them any more. */
export async function purgeUserSessions(db: Db, userId: string, idleSince: Date): Promise<number> {
  return db('sessions')
    .where({ user_id: userId })
    .andWhere((q) => q.where('expires_at', '<=', db.fn.now()).orWhere('last_seen_at', '<=', idleSince))
    .delete();
}

export interface InvitationRow {
  id: string;
  org_id: string;
  email: string;
  role: string;
  token_hash: string;
  invited_by_user_id: string | null;
  expires_at: Date;
  accepted_at: Date | null;
  created_at: Date;
}

export async function insertInvitation(db: Db, row: Omit<InvitationRow, 'accepted_at' | 'created_at'>): Promise<InvitationRow> {
  const [created] = await db<InvitationRow>('invitations').insert(row).returning('*');
  return created!;
}

/** Uses the invitation up, if it is unused and unexpired: single use even when two requests race. */
export async function takeInvitation(db: Db, tokenHash: string): Promise<InvitationRow | undefined> {
  const [row] = await db<InvitationRow>('invitations')
    .where({ token_hash: tokenHash })
    .whereNull('accepted_at')
    .where('expires_at', '>', db.fn.now())
    .update({ accepted_at: db.fn.now() })
    .returning('*');
  return row;
}
