import type { Db } from './knex';

export interface SsoConnectionRow {
  org_id: string;
  issuer: string;
  client_id: string;
  /** Sealed with ENCRYPTION_KEYS. */
  client_secret: string;
  email_domains: string[];
  default_role: string;
  role_claim: string | null;
  role_map: Record<string, string>;
  created_at: Date;
  updated_at: Date;
}

export const findSso = (db: Db, orgId: string): Promise<SsoConnectionRow | undefined> => db<SsoConnectionRow>('sso_connections').where({ org_id: orgId }).first();

export const findSsoByDomain = (db: Db, domain: string): Promise<SsoConnectionRow | undefined> =>
  db<SsoConnectionRow>('sso_connections').whereRaw('email_domains @> ARRAY[?]::text[]', [domain]).first();

/** Domains of `domains` another organization's connection already answers for. */
export async function domainsTakenElsewhere(db: Db, orgId: string, domains: string[]): Promise<string[]> {
  const rows = await db('sso_connections').whereNot({ org_id: orgId }).whereRaw('email_domains && ?::text[]', [domains]).select('email_domains');
  const taken = new Set(rows.flatMap((r: { email_domains: string[] }) => r.email_domains));
  return domains.filter((d) => taken.has(d));
}

export async function putSso(db: Db, row: Omit<SsoConnectionRow, 'created_at' | 'updated_at'>): Promise<SsoConnectionRow> {
  const [saved] = await db<SsoConnectionRow>('sso_connections')
    .insert({ ...row, role_map: JSON.stringify(row.role_map) as unknown as Record<string, string> })
    .onConflict('org_id')
    .merge({ ...row, role_map: JSON.stringify(row.role_map) as unknown as Record<string, string>, updated_at: db.fn.now() as unknown as Date })
    .returning('*');
  return saved!;
}

export async function deleteSso(db: Db, orgId: string): Promise<void> {
  await db('sso_connections').where({ org_id: orgId }).delete();
}

export interface SsoLoginRow {
  state_hash: string;
  org_id: string;
  nonce: string;
  code_verifier: string;
  expires_at: Date;
}

export async function insertSsoLogin(db: Db, row: SsoLoginRow): Promise<void> {
  await db('sso_logins').where('expires_at', '<', db.fn.now()).delete();
  await db('sso_logins').insert(row);
}

/** Uses the sign-in up (once), if it has not expired. */
export async function takeSsoLogin(db: Db, stateHash: string): Promise<SsoLoginRow | undefined> {
  const [row] = await db<SsoLoginRow>('sso_logins').where({ state_hash: stateHash }).where('expires_at', '>', db.fn.now()).delete().returning('*');
  return row;
}
