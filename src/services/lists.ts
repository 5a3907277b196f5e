import { checkQuota } from './quotas';
import { createHash } from 'node:crypto';
import { inSlices } from '../concurrency';
import * as store from '../db/lists';
import { conflict, notFound } from '../errors';
import type { Page } from '../schemas/common';
import type { ValueList, ValueListDetail, ValueListPut, ValueListQuery } from '../schemas/lists';
import type { ServiceDeps } from './deps';

type Deps = Pick<ServiceDeps, 'db'>;

/**
 * The list's values without repeats, as the JSON stored and its SHA-256 (the same as hashing
 * JSON.stringify(values)), built in slices: done in one go over 100,000 values, deduplicating, hashing and
 * serialising held the event loop for about 100 ms.
 */
async function encodeValues(values: ReadonlyArray<string | number>): Promise<store.EncodedValues> {
  const seen = new Set<string | number>();
  const parts: string[] = [];
  await inSlices(values, 5000, (v) => {
    if (seen.has(v)) return;
    seen.add(v);
    parts.push(JSON.stringify(v));
  });
  const hash = createHash('sha256').update('[');
  let json = '[';
  await inSlices(parts, 5000, (p, i) => {
    const piece = i ? `,${p}` : p;
    hash.update(piece);
    json += piece;
  });
  return { json: `${json}]`, count: parts.length, sha256: hash.update(']').digest('hex') };
}

async function present(deps: Deps, row: store.ListSummaryRow): Promise<ValueList> {
  return summary(row, await store.rulesetsUsing(deps.db, row.org_id, row.name));
}

function summary(row: store.ListSummaryRow, usedBy: Array<{ id: string; status: string }>): ValueList {
  return {
    name: row.name,
    description: row.description,
    value_count: row.value_count,
    values_sha256: row.values_sha256,
    used_by: usedBy.map((r) => ({ id: r.id, status: r.status as 'DRAFT' | 'ACTIVE' })),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export async function listLists(deps: Deps, orgId: string, q: ValueListQuery): Promise<Page<ValueList>> {
  const rows = await store.listLists(deps.db, orgId, q.cursor, q.limit + 1);
  const more = rows.length > q.limit;
  const kept = more ? rows.slice(0, q.limit) : rows;
  return { items: await Promise.all(kept.map((r) => present(deps, r))), next_cursor: more ? kept.at(-1)!.name : null };
}

export async function getListSummary(deps: Deps, orgId: string, name: string): Promise<ValueList> {
  const row = await store.findListSummary(deps.db, orgId, name);
  if (!row) throw notFound('List');
  return present(deps, row);
}

export async function getList(deps: Deps, orgId: string, name: string): Promise<ValueListDetail> {
  const row = await store.findList(deps.db, orgId, name);
  if (!row) throw notFound('List');
  return { ...(await present(deps, row)), values: row.values };
}

/** Creates the list or replaces its values. Rulesets already published keep the values they were published with. */
export async function putList(deps: Pick<ServiceDeps, 'db' | 'config'>, orgId: string, name: string, input: ValueListPut): Promise<ValueList> {
  const values = await encodeValues(input.values);
  const row = await deps.db.transaction(async (trx) => {
    // Replacing a list's values is always allowed; a new list needs room under the quota.
    if (!(await store.findListSummary(trx, orgId, name))) await checkQuota(trx, deps.config, orgId, 'MAX_LISTS_PER_ORG');
    return store.putList(trx, { org_id: orgId, name, description: input.description ?? null }, values);
  });
  return present(deps, row);
}

/** A list that a draft or the active ruleset uses cannot go: those rulesets would stop making sense. */
export async function deleteList(deps: Deps, orgId: string, name: string): Promise<ValueList> {
  return deps.db.transaction(async (trx) => {
    const row = await store.findListSummary(trx, orgId, name);
    if (!row) throw notFound('List');
    const users = await store.rulesetsUsing(trx, orgId, name);
    if (users.length) throw conflict(`List ${name} is used by ${users.map((u) => `${u.id} (${u.status})`).join(', ')}`);
    await store.deleteList(trx, orgId, name);
    return summary(row, []);
  });
}
