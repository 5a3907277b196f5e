import type { Knex } from 'knex';
import type { Db } from './knex';
import { listReferences, type RulesetDefinition } from '../routing/schema';

type Conn = Db | Knex.Transaction;
type Value = string | number;

export interface ListRow {
  org_id: string;
  name: string;
  description: string | null;
  values: Value[];
  value_count: number;
  values_sha256: string;
  created_at: Date;
  updated_at: Date;
}

export type ListSummaryRow = Omit<ListRow, 'values'>;
const SUMMARY = ['org_id', 'name', 'description', 'value_count', 'values_sha256', 'created_at', 'updated_at'] as const;

export function findList(db: Conn, orgId: string, name: string): Promise<ListRow | undefined> {
  return db<ListRow>('value_lists').where({ org_id: orgId, name }).first();
}

export function findListSummary(db: Conn, orgId: string, name: string): Promise<ListSummaryRow | undefined> {
  return db<ListRow>('value_lists').where({ org_id: orgId, name }).first(...SUMMARY);
}

export function listLists(db: Db, orgId: string, after: string | undefined, limit: number): Promise<ListSummaryRow[]> {
  const q = db<ListRow>('value_lists').where({ org_id: orgId }).orderBy('name').limit(limit).select(...SUMMARY);
  if (after) q.andWhere('name', '>', after);
  return q;
}

/** A list's values as stored: their JSON, how many, and the JSON's SHA-256. */
export interface EncodedValues {
  json: string;
  count: number;
  sha256: string;
}

export async function putList(db: Conn, row: Pick<ListRow, 'org_id' | 'name' | 'description'>, values: EncodedValues): Promise<ListSummaryRow> {
  const stored = { values: values.json, value_count: values.count, values_sha256: values.sha256 };
  const [saved] = await db('value_lists')
    .insert({ ...row, ...stored })
    .onConflict(['org_id', 'name'])
    .merge({ description: row.description, ...stored, updated_at: db.fn.now() })
    .returning([...SUMMARY]);
  return saved as ListSummaryRow;
}

export async function deleteList(db: Conn, orgId: string, name: string): Promise<number> {
  return db('value_lists').where({ org_id: orgId, name }).delete();
}

/** The named lists of an organization that exist, with the columns asked for. */
async function named<C extends keyof ListRow>(db: Conn, orgId: string, names: string[], columns: C[]): Promise<Array<Pick<ListRow, C | 'name'>>> {
  if (!names.length) return [];
  const rows: unknown = await db('value_lists').where({ org_id: orgId }).whereIn('name', [...new Set(names)]).select('name', ...columns);
  return rows as Array<Pick<ListRow, C | 'name'>>;
}

/** Which of the named lists exist, with the SHA-256 of their values as they are now: no values are read. */
export async function listDigests(db: Conn, orgId: string, names: string[]): Promise<Map<string, string>> {
  return new Map((await named(db, orgId, names, ['values_sha256'])).map((r) => [r.name, r.values_sha256]));
}

/** The named lists' values with the SHA-256 they were stored with (a list edited since its digest was read shows it). */
export function listValuesWithDigests(db: Conn, orgId: string, names: string[]): Promise<Array<Pick<ListRow, 'name' | 'values' | 'values_sha256'>>> {
  return named(db, orgId, names, ['values', 'values_sha256']);
}

/** The current values of the named lists that exist, by name. */
export async function listValues(db: Conn, orgId: string, names: string[]): Promise<Record<string, Value[]>> {
  return Object.fromEntries((await named(db, orgId, names, ['values'])).map((r) => [r.name, r.values]));
}

const USES_LIST = '$.rules[*].when.** ? (@.op == "in_list" || @.op == "not_in_list") ? (@.value == $name)';

/** The values, as they are now, of the named lists a ruleset's conditions use (a draft's, or a new version's). */
export function currentListsOf(db: Conn, orgId: string, definition: RulesetDefinition): Promise<Record<string, Value[]>> {
  return listValues(db, orgId, listReferences(definition).map((l) => l.name));
}

/** Drafts and the active ruleset whose conditions name the list (published versions keep their own copy). */
export async function rulesetsUsing(db: Conn, orgId: string, name: string): Promise<Array<{ id: string; status: string }>> {
  return db('rulesets')
    .where({ org_id: orgId })
    .whereIn('status', ['DRAFT', 'ACTIVE'])
    // The path goes in as a binding: its "?" filters would otherwise read as knex placeholders.
    .whereRaw('jsonb_path_exists(definition, ?::jsonpath, jsonb_build_object(?::text, ?::text))', [USES_LIST, 'name', name])
    .orderBy('id')
    .select('id', 'status');
}
