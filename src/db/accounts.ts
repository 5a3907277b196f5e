import type { Knex } from 'knex';
import type { Db } from './knex';

type Conn = Db | Knex.Transaction;

export interface AccountRow {
  org_id: string;
  domain: string;
  name: string | null;
  owner_rep_id: string | null;
  attributes: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

export function findAccount(db: Conn, orgId: string, domain: string): Promise<AccountRow | undefined> {
  return db<AccountRow>('accounts').where({ org_id: orgId, domain }).first();
}

export interface AccountFilter {
  ownerRepId?: string;
  /** Domains ending in this one (acme.com finds acme.com and eu.acme.com). */
  domain?: string;
}

export function listAccounts(db: Db, orgId: string, f: AccountFilter, after: string | undefined, limit: number): Promise<AccountRow[]> {
  const q = db<AccountRow>('accounts').where({ org_id: orgId }).orderBy('domain', 'asc').limit(limit);
  if (f.ownerRepId) q.andWhere({ owner_rep_id: f.ownerRepId });
  if (f.domain) q.andWhere((w) => w.where({ domain: f.domain }).orWhere('domain', 'like', `%.${f.domain!.replace(/[\\%_]/g, '\\$&')}`));
  if (after) q.andWhere('domain', '>', after);
  return q;
}

const MERGED_ATTRIBUTES = 'jsonb_strip_nulls(accounts.attributes || ?::jsonb)';

/**
 * Creates the account or changes the fields given; attributes are merged (null removes one). An update whose
 * merge would leave more than `maxAttributes` changes nothing and returns undefined (checked in the statement,
 * so two concurrent merges cannot pass the cap between them).
 */
export async function upsertAccount(db: Conn, orgId: string, domain: string, f: { name?: string | null; owner_rep_id?: string | null; attributes?: Record<string, unknown> }, maxAttributes: number): Promise<AccountRow | undefined> {
  const attributes = JSON.stringify(f.attributes ?? {});
  const insert = { org_id: orgId, domain, name: f.name ?? null, owner_rep_id: f.owner_rep_id ?? null, attributes: db.raw("jsonb_strip_nulls(?::jsonb)", [attributes]) };
  const merge: Record<string, unknown> = { updated_at: db.fn.now(), attributes: db.raw(MERGED_ATTRIBUTES, [attributes]) };
  if (f.name !== undefined) merge.name = f.name;
  if (f.owner_rep_id !== undefined) merge.owner_rep_id = f.owner_rep_id;
  const [row] = await db('accounts')
    .insert(insert)
    .onConflict(['org_id', 'domain'])
    .merge(merge)
    .where(db.raw(`(SELECT count(*) FROM jsonb_object_keys(${MERGED_ATTRIBUTES})) <= ?`, [attributes, maxAttributes]))
    .returning('*');
  return row as AccountRow | undefined;
}

export async function deleteAccount(db: Conn, orgId: string, domain: string): Promise<number> {
  return db('accounts').where({ org_id: orgId, domain }).delete();
}

/** Sticky ownership: the rep who got the lead now owns its contact and its account. */
export async function setOwners(trx: Knex.Transaction, orgId: string, contactId: string, accountDomain: string | null, repId: string): Promise<void> {
  await trx('contacts').where({ org_id: orgId, id: contactId }).whereRaw('owner_rep_id IS DISTINCT FROM ?', [repId]).update({ owner_rep_id: repId, updated_at: trx.fn.now() });
  if (accountDomain) {
    await trx('accounts').where({ org_id: orgId, domain: accountDomain }).whereRaw('owner_rep_id IS DISTINCT FROM ?', [repId]).update({ owner_rep_id: repId, updated_at: trx.fn.now() });
  }
}
