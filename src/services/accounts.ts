import * as store from '../db/accounts';
import { conflict, notFound } from '../errors';
import { MAX_ATTRIBUTES } from '../schemas/leads';
import { checkAttributeCount } from './attributes';
import type { Page } from '../schemas/common';
import type { Account, AccountListQuery, AccountUpsert } from '../schemas/accounts';
import type { ServiceDeps } from './deps';
import { requireActiveRep } from './reps';

export function presentAccount(a: store.AccountRow): Account {
  return { domain: a.domain, name: a.name, owner_rep_id: a.owner_rep_id, attributes: a.attributes, created_at: a.created_at.toISOString(), updated_at: a.updated_at.toISOString() };
}

export async function listAccounts(deps: Pick<ServiceDeps, 'db'>, orgId: string, q: AccountListQuery): Promise<Page<Account>> {
  const rows = await store.listAccounts(deps.db, orgId, { ownerRepId: q.owner_rep_id, domain: q.domain?.toLowerCase() }, q.cursor, q.limit + 1);
  const more = rows.length > q.limit;
  const kept = more ? rows.slice(0, q.limit) : rows;
  return { items: kept.map(presentAccount), next_cursor: more ? kept.at(-1)!.domain : null };
}

export async function getAccount(deps: Pick<ServiceDeps, 'db'>, orgId: string, domain: string): Promise<Account> {
  const row = await store.findAccount(deps.db, orgId, domain);
  if (!row) throw notFound('Account');
  return presentAccount(row);
}

export async function upsertAccount(deps: Pick<ServiceDeps, 'db'>, orgId: string, domain: string, input: AccountUpsert): Promise<Account> {
  await requireActiveRep(deps, orgId, input.owner_rep_id, 'owner_rep_id');
  for (let attempt = 0; attempt < 3; attempt++) {
    const row = await store.upsertAccount(deps.db, orgId, domain, input, MAX_ATTRIBUTES);
    if (row) return presentAccount(row);
    // Refused for its attribute count: say by how much, unless a concurrent change made room meanwhile.
    const current = await store.findAccount(deps.db, orgId, domain);
    checkAttributeCount(Object.values({ ...current?.attributes, ...input.attributes }).filter((v) => v !== null).length, 'account');
  }
  throw conflict('The account is being changed concurrently; retry');
}

export async function deleteAccount(deps: Pick<ServiceDeps, 'db'>, orgId: string, domain: string): Promise<Account> {
  const row = await store.findAccount(deps.db, orgId, domain);
  if (!row || !(await store.deleteAccount(deps.db, orgId, domain))) throw notFound('Account');
  return presentAccount(row);
}
