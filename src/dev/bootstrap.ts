import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/knex';
import { findApiKeyByHash } from '../db/apiKeys';
import { createOrg, findOrg } from '../db/orgs';
import { createKey, hashToken } from '../services/apiKeys';
import type { Config } from '../config';
import { createLogger } from '../logger';
import { findOwnerWithPassword } from '../db/users';
import { createUserWithLink } from '../services/users';

export interface DevIdentity {
  orgId: string;
  orgName: string;
  key: string;
  created: boolean;
}

/**
 * First start creates a development organization and a secret key and keeps the key in .data/dev-api-key;
 * later starts reuse it as long as the database still knows it (a wiped database gets a fresh one).
 */
export async function ensureDevIdentity(db: Db, dataDir: string): Promise<DevIdentity> {
  const keyFile = path.join(dataDir, 'dev-api-key');
  if (fs.existsSync(keyFile)) {
    const key = fs.readFileSync(keyFile, 'utf8').trim();
    const row = await findApiKeyByHash(db, hashToken(key));
    const org = row && !row.revoked_at ? await findOrg(db, row.org_id) : undefined;
    if (org) return { orgId: org.id, orgName: org.name, key, created: false };
  }
  const org = await createOrg(db, 'Development');
  const key = await createKey({ db }, org.id, { name: 'dev key (npm run dev)' });
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(keyFile, `${key.secret}\n`, { mode: 0o600 });
  return { orgId: org.id, orgName: org.name, key: key.secret, created: true };
}

export const DEV_OWNER_EMAIL = 'owner@example.com';

/**
 * The development organization's first owner, for the console: a link to set their password until they have
 * one (a new link each start, the older ones still valid until they expire), then just who signs in.
 */
export async function ensureDevOwner(db: Db, config: Config, orgId: string): Promise<{ email: string; acceptUrl: string | null }> {
  const owner = await findOwnerWithPassword(db, orgId);
  if (owner) return { email: owner.email, acceptUrl: null };
  const made = await createUserWithLink({ db, config: { ...config, SMTP_URL: undefined }, logger: createLogger('silent', 'dev') }, orgId, DEV_OWNER_EMAIL, 'owner', 'Dev Owner');
  return { email: made.user.email, acceptUrl: made.acceptUrl };
}
