import type { Knex } from 'knex';
import type { Db } from './knex';
import type { Action } from '../routing/schema';
import { crmOwnerReps, EMPTY_POOL, poolKey, stagesOf, type OwnerInfo, type PoolState, type RepState, type SelectionContext, type SharedState } from '../routing/select';
import { ownerInfo } from './contacts';
import { crmOwnersOf, ownerIdsOf, type RepCrmKey } from '../crm/owners';
import { repsByCrmIds } from './reps';
import { closuresOf } from './calendars';
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
  let rows: PoolRow[];
  if (lock) {
    // One statement creates missing pool rows and locks them all (an upsert locks the rows it touches), in
    // key order.
    rows = await db('routing_pools')
      .insert(sorted.map((pool_key) => ({ org_id: orgId, pool_key })))
      .onConflict(['org_id', 'pool_key'])
      .merge(['pool_key'])
      .returning('*');
  } else {
    rows = await db<PoolRow>('routing_pools').where({ org_id: orgId }).whereIn('pool_key', sorted);
  }
  const pools: Record<string, PoolState> = {};
  for (const key of sorted) pools[key] = EMPTY_POOL;
  for (const r of rows) pools[r.pool_key] = { last_rep_id: r.last_rep_id, credits: r.credits ?? {} };
  return pools;
}

export interface RepSource {
  teams: string[];
  ids: string[];
}

type RepRowWithRouting = RepRow & { last_assigned_at: Date | null; assigned_today: number | null };

export async function loadReps(db: Conn, orgId: string, source: RepSource, now: number, lock: boolean): Promise<Record<string, RepState>> {
  if (!source.teams.length && !source.ids.length) return {};
  // Today's count is the one for the rep's own local date at `now`; Postgres knows the same IANA zones.
  const q = db<RepRowWithRouting>('reps as r')
    .leftJoin('rep_daily_counts as d', function joinToday() {
      this.on('d.rep_id', 'r.id').andOn('d.day', db.raw('(to_timestamp(?::double precision / 1000) AT TIME ZONE r.timezone)::date', [now]));
    })
    .where('r.org_id', orgId)
    .andWhere((w) => {
      if (source.teams.length) w.orWhere((t) => t.where('r.active', true).andWhereRaw('r.teams && ?::text[]', [source.teams]));
      if (source.ids.length) w.orWhereIn('r.id', source.ids);
    })
    .orderBy('r.id')
    .select('r.*', 'd.assigned as assigned_today');
  const rows: RepRowWithRouting[] = lock ? await q.forUpdate('r') : await q;
  const closures = await closuresOf(db, orgId, rows);
  const reps: Record<string, RepState> = {};
  for (const r of rows) {
    reps[r.id] = {
      id: r.id,
      name: r.name,
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
      assigned_today: r.assigned_today ?? 0,
      last_assigned_at: r.last_assigned_at ? r.last_assigned_at.getTime() : null,
      ...(closures.has(r.id) ? { closures: closures.get(r.id)! } : {}),
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
      if (owner.account_owner_id) ids.add(owner.account_owner_id);
      owner.domain_owner_ids.forEach((id) => ids.add(id));
    }
    if (a.strategy === 'CRM_OWNER') crmOwnerReps(owner).forEach((id) => ids.add(id));
  }
  return { teams: [...teams], ids: [...ids] };
}

export interface ContextOptions {
  now: number;
  /** Lock pool and rep rows (inside the assign transaction); false for a simulation's snapshot. */
  lock: boolean;
  exclude?: string[];
}

export interface LeadForOwners {
  email: string;
  accountDomains: readonly string[];
  /** CRM_OWNER reads the CRM owners the lead's intake left in its attributes. */
  attributes?: Record<string, unknown> | null;
}

const uses = (action: Action, strategy: Action['strategy']) => action.strategy === strategy || action.fallback?.strategy === strategy;

/** The reps mapped to these CRM owner ids, by the rep column that maps them. */
export async function crmOwnerMap(db: Conn, orgId: string, ids: ReadonlyMap<RepCrmKey, string[]>): Promise<Map<RepCrmKey, Map<string, string>>> {
  const out = new Map<RepCrmKey, Map<string, string>>();
  for (const [key, list] of ids) out.set(key, await repsByCrmIds(db, orgId, key, list));
  return out;
}

/**
 * For OWNER routing (in the action or its fallback): the contact's, the account's and the company's owners;
 * for CRM_OWNER: the lead's CRM owners and the reps mapped to them.
 */
export async function ownersFor(db: Conn, orgId: string, action: Action, lead: LeadForOwners): Promise<OwnerInfo | undefined> {
  const owner = uses(action, 'OWNER') ? await ownerInfo(db, orgId, lead.email, lead.accountDomains) : undefined;
  if (!uses(action, 'CRM_OWNER')) return owner;
  const crm_owners = crmOwnersOf(lead.attributes, await crmOwnerMap(db, orgId, ownerIdsOf(lead.attributes)));
  return { ...(owner ?? { contact_owner_id: null, domain_owner_ids: [] }), crm_owners };
}

/**
 * The pools and candidate reps of several actions at once (the routing attempts of one transaction), each
 * with the owners its lead has. The routing activity locks them; the simulator does not.
 */
export async function loadSharedState(db: Conn, orgId: string, needs: ReadonlyArray<{ action: Action; owner?: OwnerInfo }>, opts: Omit<ContextOptions, 'exclude'>): Promise<SharedState> {
  const teams = new Set<string>();
  const ids = new Set<string>();
  for (const n of needs) {
    const source = repSourceFor(n.action, n.owner);
    source.teams.forEach((t) => teams.add(t));
    source.ids.forEach((id) => ids.add(id));
  }
  const pools = await loadPools(db, orgId, needs.flatMap((n) => stagesOf(n.action).map(poolKey)), opts.lock);
  const reps = await loadReps(db, orgId, { teams: [...teams], ids: [...ids] }, opts.now, opts.lock);
  return { reps, pools };
}

/** What selecting a rep for `action` needs, for the lead with this email and these candidate account domains. */
export async function loadSelectionContext(db: Conn, orgId: string, action: Action, lead: LeadForOwners, opts: ContextOptions): Promise<SelectionContext> {
  const owner = await ownersFor(db, orgId, action, lead);
  const { reps, pools } = await loadSharedState(db, orgId, [{ action, owner }], opts);
  return { now: opts.now, reps, pools, owner, exclude: opts.exclude };
}
