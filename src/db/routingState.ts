import type { Knex } from 'knex';
import type { Db } from './knex';
import { localDateString } from '../routing/time';
import type { Action } from '../routing/schema';
import { EMPTY_POOL, poolKey, stagesOf, type OwnerInfo, type PoolState, type RepState, type SelectionContext } from '../routing/select';
import type { RepRow } from './reps';

/**
 * Reads (and, for the assign activity, locks) the state rep selection needs. Lock order is always pools by
 * key, then reps by id, so concurrent assignments into overlapping pools cannot deadlock.
 */

type Conn = Db | Knex.Transaction;

export interface PoolRow {
  org_id: string;
  pool_key: string;
  last_rep_id: string | null;
  credits: Record<string, number>;
}

export async function loadPools(db: Conn, orgId: string, keys: string[], lock: boolean): Promise<Record<string, PoolState>> {
  const sorted = [...new Set(keys)].sort();
  if (!sorted.length) return {};
  if (lock) {
    // A row must exist to be locked; the first lead of a pool creates it.
    await db('routing_pools')
      .insert(sorted.map((pool_key) => ({ org_id: orgId, pool_key })))
      .onConflict(['org_id', 'pool_key'])
      .ignore();
  }
  const q = db<PoolRow>('routing_pools').where({ org_id: orgId }).whereIn('pool_key', sorted).orderBy('pool_key');
  const rows: PoolRow[] = lock ? await q.forUpdate() : await q;
  const pools: Record<string, PoolState> = {};
  for (const key of sorted) pools[key] = EMPTY_POOL;
  for (const r of rows) pools[r.pool_key] = { last_rep_id: r.last_rep_id, credits: r.credits ?? {} };
  return pools;
}

export async function savePool(db: Conn, orgId: string, key: string, state: PoolState): Promise<void> {
  await db('routing_pools')
    .insert({ org_id: orgId, pool_key: key, last_rep_id: state.last_rep_id, credits: JSON.stringify(state.credits), updated_at: db.fn.now() })
    .onConflict(['org_id', 'pool_key'])
    .merge();
}

export interface RepSource {
  teams: string[];
  ids: string[];
}

type RepRowWithRouting = RepRow & { last_assigned_at: Date | null };

export async function loadReps(db: Conn, orgId: string, source: RepSource, now: number, lock: boolean): Promise<Record<string, RepState>> {
  if (!source.teams.length && !source.ids.length) return {};
  const q = db<RepRowWithRouting>('reps')
    .where({ org_id: orgId })
    .andWhere((w) => {
      if (source.teams.length) w.orWhere((t) => t.where({ active: true }).andWhereRaw('teams && ?::text[]', [source.teams]));
      if (source.ids.length) w.orWhereIn('id', source.ids);
    })
    .orderBy('id');
  const rows: RepRowWithRouting[] = lock ? await q.forUpdate() : await q;
  const today = new Map(rows.map((r) => [r.id, localDateString(now, r.timezone)]));
  const counts = new Map<string, number>();
  if (rows.length) {
    const pairs = rows.map((r) => [r.id, today.get(r.id)!]);
    const found = await db('rep_daily_counts')
      .whereIn(['rep_id', 'day'], pairs)
      .select('rep_id', 'assigned');
    for (const f of found as Array<{ rep_id: string; assigned: number }>) counts.set(f.rep_id, f.assigned);
  }
  const reps: Record<string, RepState> = {};
  for (const r of rows) {
    reps[r.id] = {
      id: r.id,
      status: r.status,
      active: r.active,
      teams: r.teams,
      weight: r.weight,
      max_open_leads: r.max_open_leads,
      daily_cap: r.daily_cap,
      timezone: r.timezone,
      working_hours: r.working_hours,
      out_of_office: r.out_of_office,
      open_leads: r.open_leads,
      assigned_today: counts.get(r.id) ?? 0,
      last_assigned_at: r.last_assigned_at ? r.last_assigned_at.getTime() : null,
    };
  }
  return reps;
}

/** Every rep a selection over `action` could consider: team members, listed reps, owners. */
export function repSourceFor(action: Action, owner?: OwnerInfo): RepSource {
  const teams = new Set<string>();
  const ids = new Set<string>();
  for (const a of stagesOf(action)) {
    if (a.team) teams.add(a.team);
    a.rep_ids?.forEach((id) => ids.add(id));
    if (a.rep_id) ids.add(a.rep_id);
    if (a.strategy === 'OWNER' && owner) {
      if (owner.contact_owner_id) ids.add(owner.contact_owner_id);
      owner.domain_owner_ids.forEach((id) => ids.add(id));
    }
  }
  return { teams: [...teams], ids: [...ids] };
}

export interface ContextOptions {
  now: number;
  /** Lock pool and rep rows (inside the assign transaction); false for a simulation's snapshot. */
  lock: boolean;
  owner?: OwnerInfo;
  exclude?: string[];
}

export async function loadSelectionContext(db: Conn, orgId: string, action: Action, opts: ContextOptions): Promise<SelectionContext> {
  const pools = await loadPools(db, orgId, stagesOf(action).map(poolKey), opts.lock);
  const reps = await loadReps(db, orgId, repSourceFor(action, opts.owner), opts.now, opts.lock);
  return { now: opts.now, reps, pools, owner: opts.owner, exclude: opts.exclude };
}
