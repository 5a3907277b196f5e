import type { Knex } from 'knex';
import type { Db } from './knex';
import type { RulesetDefinition } from '../routing/schema';
import type { RulesetStatus } from '../schemas/rulesets';

export interface RulesetRow {
  id: string;
  org_id: string;
  name: string;
  status: RulesetStatus;
  version: number | null;
  definition: RulesetDefinition;
  /** The values of the named lists it uses, as they were when it was published; null for a draft. */
  lists: Record<string, Array<string | number>> | null;
  created_at: Date;
  updated_at: Date;
  published_at: Date | null;
  activated_at: Date | null;
}

type Conn = Db | Knex.Transaction;

export async function insertRuleset(db: Conn, row: Pick<RulesetRow, 'id' | 'org_id' | 'name' | 'definition'>): Promise<RulesetRow> {
  const [created] = await db('rulesets')
    .insert({ ...row, status: 'DRAFT', definition: JSON.stringify(row.definition) })
    .returning('*');
  return created as RulesetRow;
}

export function findRuleset(db: Conn, orgId: string, id: string, forUpdate = false): Promise<RulesetRow | undefined> {
  const q = db<RulesetRow>('rulesets').where({ org_id: orgId, id }).first();
  return forUpdate ? q.forUpdate() : q;
}

/**
 * A ruleset's identity without its definition (which may run to megabytes): enough to find a published
 * version already compiled. The active one when `id` is absent.
 */
export function findRulesetHead(db: Conn, orgId: string, id?: string): Promise<(Pick<RulesetRow, 'id' | 'version' | 'status'> & { has_lists: boolean }) | undefined> {
  const q = db('rulesets').where(id ? { org_id: orgId, id } : { org_id: orgId, status: 'ACTIVE' });
  return q.first('id', 'version', 'status', db.raw('lists IS NOT NULL AS has_lists'));
}

export function findActiveRuleset(db: Conn, orgId: string): Promise<RulesetRow | undefined> {
  return db<RulesetRow>('rulesets').where({ org_id: orgId, status: 'ACTIVE' }).first();
}

export function listRulesets(db: Db, orgId: string, status: RulesetStatus | undefined, after: string | undefined, limit: number): Promise<RulesetRow[]> {
  const q = db<RulesetRow>('rulesets').where({ org_id: orgId }).orderBy('id', 'asc').limit(limit);
  if (status) q.andWhere({ status });
  if (after) q.andWhere('id', '>', after);
  return q;
}

export async function updateDraft(db: Conn, orgId: string, id: string, patch: { name: string; definition: RulesetDefinition }): Promise<RulesetRow | undefined> {
  const [row] = await db('rulesets')
    .where({ org_id: orgId, id, status: 'DRAFT' })
    .update({ name: patch.name, definition: JSON.stringify(patch.definition), updated_at: db.fn.now() })
    .returning('*');
  return row as RulesetRow | undefined;
}

export async function deleteDraft(db: Conn, orgId: string, id: string): Promise<number> {
  return db('rulesets').where({ org_id: orgId, id, status: 'DRAFT' }).delete();
}

/** Serialises publications within an organization. */
export async function lockOrganization(trx: Knex.Transaction, orgId: string): Promise<void> {
  await trx('organizations').where({ id: orgId }).forUpdate().first();
}

/** A new draft copying a published ruleset: publishing the active one again after its lists changed. */
export async function copyAsDraft(trx: Knex.Transaction, row: RulesetRow, id: string): Promise<RulesetRow> {
  return insertRuleset(trx, { id, org_id: row.org_id, name: row.name, definition: row.definition });
}

export async function activate(trx: Knex.Transaction, orgId: string, id: string, lists: Record<string, Array<string | number>>): Promise<RulesetRow> {
  await trx('rulesets').where({ org_id: orgId, status: 'ACTIVE' }).whereNot({ id }).update({ status: 'ARCHIVED', updated_at: trx.fn.now() });
  const [row] = await trx('rulesets')
    .where({ org_id: orgId, id })
    .update({
      status: 'ACTIVE',
      // A version's lists are fixed when it is first published; a rollback keeps them.
      lists: trx.raw('COALESCE(lists, ?::jsonb)', [JSON.stringify(lists)]),
      version: trx.raw('COALESCE(version, (SELECT COALESCE(MAX(version), 0) + 1 FROM rulesets WHERE org_id = ?))', [orgId]),
      published_at: trx.raw('COALESCE(published_at, now())'),
      activated_at: trx.fn.now(),
      updated_at: trx.fn.now(),
    })
    .returning('*');
  return row as RulesetRow;
}

/** Teams that have at least one active rep, among `teams`. */
export async function teamsWithReps(db: Conn, orgId: string, teams: string[]): Promise<Set<string>> {
  if (!teams.length) return new Set();
  const rows = await db('reps')
    .where({ org_id: orgId, active: true })
    .andWhereRaw('teams && ?::text[]', [teams])
    .select(db.raw('DISTINCT unnest(teams) AS team'));
  return new Set((rows as Array<{ team: string }>).map((r) => r.team));
}

export async function activeRepIds(db: Conn, orgId: string, ids: string[]): Promise<Map<string, boolean>> {
  if (!ids.length) return new Map();
  const rows = await db('reps').where({ org_id: orgId }).whereIn('id', ids).select('id', 'active');
  return new Map((rows as Array<{ id: string; active: boolean }>).map((r) => [r.id, r.active]));
}

export async function rulesetDefinition(db: Conn, id: string): Promise<RulesetDefinition | undefined> {
  return (await db<RulesetRow>('rulesets').where({ id }).first('definition'))?.definition;
}

/** What routing compiles: the definition and its published list values. */
export function publishedRuleset(db: Conn, id: string): Promise<Pick<RulesetRow, 'definition' | 'lists'> | undefined> {
  return db<RulesetRow>('rulesets').where({ id }).first('definition', 'lists');
}
