import { ownsLead, type Action, type CandidateTrace, type CrmOwnerTrace, type FallbackAction, type SkipReason, type Stage } from './schema';
import { isOutOfOffice, isWithinWorkingHours, localTime, nextWorkingInstant, zonedToUtc, type Closures, type WeeklyHours } from './time';

/**
 * Rep selection over the eligible reps of a pool. State (round-robin cursor, weighted-round-robin credits,
 * open and today's counts) comes in as data and the new pool state goes out as data: the assign activity
 * runs this inside the transaction that holds the pool's row lock, and the simulator runs it on a snapshot.
 */

export interface RepState {
  id: string;
  /** For explanations and the lead's story; selection never looks at it. */
  name?: string;
  status: 'AVAILABLE' | 'AWAY' | 'OFFLINE';
  active: boolean;
  teams: string[];
  weight: number;
  max_open_leads: number | null;
  daily_cap: number | null;
  timezone: string;
  working_hours: WeeklyHours | null;
  /** Closed time from the rep's calendars (see time.ts). */
  closures?: Closures;
  out_of_office: ReadonlyArray<{ start: string; end: string }>;
  open_leads: number;
  /** Leads assigned today, "today" being the rep's local date. */
  assigned_today: number;
  last_assigned_at: number | null;
}

export interface PoolState {
  /** ROUND_ROBIN: the rep who got the pool's last lead. */
  last_rep_id: string | null;
  /**
   * WEIGHTED: smooth weighted round-robin credit per rep. ROUND_ROBIN: turns a rep has already had outside
   * the rotation (leads that went to them as owner, with owner_takes_turn), each skipped once.
   */
  credits: Record<string, number>;
}

export const EMPTY_POOL: PoolState = { last_rep_id: null, credits: {} };

export interface OwnerInfo {
  /** Owner of the lead's contact. */
  contact_owner_id: string | null;
  /** Owner of the lead's account (its company domain). */
  account_owner_id?: string | null;
  /** Owners of other contacts with the same email domain, most recently updated first. */
  domain_owner_ids: string[];
  /** CRM_OWNER: the lead's owners in its CRM (contact first, then company), each with the rep mapped to it. */
  crm_owners?: CrmOwnerTrace[];
}

export interface SelectionContext {
  now: number;
  reps: Readonly<Record<string, RepState>>;
  pools: Readonly<Record<string, PoolState>>;
  owner?: OwnerInfo;
  /** Reps who already had this lead: never picked again for it. */
  exclude?: readonly string[];
}

export interface Selection {
  rep_id: string | null;
  stages: Stage[];
  /** New state for pools whose state the pick changed. */
  pool_updates: Record<string, PoolState>;
}

type AnyAction = Action | FallbackAction;

/** Pools are identified by what they draw from, so two rules on the same team share one rotation. */
export function poolKey(a: AnyAction): string {
  if (a.strategy === 'DIRECT') return `rep:${a.rep_id}`;
  if (a.team) return `team:${a.team}`;
  if (a.rep_ids) return `reps:${[...a.rep_ids].sort().join(',')}`;
  return a.strategy === 'CRM_OWNER' ? 'crm-owner' : 'owner';
}

/** The reps CRM_OWNER may pick, in order: those mapped to the lead's CRM owners. */
export const crmOwnerReps = (owner: OwnerInfo | undefined): string[] => [...new Set((owner?.crm_owners ?? []).flatMap((o) => (o.rep_id ? [o.rep_id] : [])))];


/** Reps a stage may consider, in id order (the round-robin order). */
function members(a: AnyAction, ctx: SelectionContext): string[] {
  if (a.strategy === 'DIRECT') return [a.rep_id!];
  if (a.strategy === 'OWNER') {
    const owners = [ctx.owner?.contact_owner_id ?? null, ctx.owner?.account_owner_id ?? null, ...(ctx.owner?.domain_owner_ids ?? [])].filter((x): x is string => !!x);
    return [...new Set(owners)];
  }
  if (a.strategy === 'CRM_OWNER') return crmOwnerReps(ctx.owner);
  if (a.rep_ids) return [...a.rep_ids].sort();
  return Object.values(ctx.reps)
    .filter((r) => r.active && r.teams.includes(a.team!))
    .map((r) => r.id)
    .sort();
}

export function skipReason(rep: RepState | undefined, a: AnyAction, ctx: SelectionContext): SkipReason | null {
  if (!rep) return 'UNKNOWN_REP';
  if (!rep.active) return 'INACTIVE';
  if (ctx.exclude?.includes(rep.id)) return 'ALREADY_HAD_LEAD';
  if (rep.status !== 'AVAILABLE') return rep.status;
  if (isOutOfOffice(rep.out_of_office, ctx.now)) return 'OUT_OF_OFFICE';
  if (a.respect_working_hours && rep.closures && !isWithinWorkingHours(null, rep.timezone, ctx.now, rep.closures)) return 'HOLIDAY';
  if (a.respect_working_hours && !isWithinWorkingHours(rep.working_hours, rep.timezone, ctx.now)) return 'OUTSIDE_WORKING_HOURS';
  if (rep.max_open_leads !== null && rep.open_leads >= rep.max_open_leads) return 'AT_CAPACITY';
  if (rep.daily_cap !== null && rep.assigned_today >= rep.daily_cap) return 'AT_DAILY_CAP';
  if (a.strategy === 'WEIGHTED' && rep.weight <= 0) return 'ZERO_WEIGHT';
  return null;
}

function roundRobin(eligible: RepState[], pool: PoolState): { pick: RepState; pool: PoolState } {
  // Eligible reps are in id order: the next one after the cursor, wrapping. A rep who was away simply gets
  // their next turn in order (no catch-up burst), and nobody else loses a turn; a new rep joins the cycle
  // where their id falls without resetting it. A rep who already had a turn as owner passes this one (at most
  // one pass round, so someone is always picked).
  const last = pool.last_rep_id;
  const start = last === null ? 0 : Math.max(0, eligible.findIndex((r) => r.id > last));
  const credits = { ...pool.credits };
  let pick = eligible[start]!;
  for (let i = 0; i < eligible.length; i++) {
    const r = eligible[(start + i) % eligible.length]!;
    if (!(credits[r.id]! > 0)) {
      pick = r;
      break;
    }
    if (--credits[r.id]! === 0) delete credits[r.id];
  }
  return { pick, pool: { last_rep_id: pick.id, credits } };
}

/**
 * owner_takes_turn: the owner's lead counts as their next turn in the fallback's rotation, for ROUND_ROBIN a
 * turn to pass, for WEIGHTED the credit a pick costs (the pool's total weight).
 */
function turnTaken(fallback: FallbackAction, repId: string, ctx: SelectionContext): PoolState | null {
  const ids = members(fallback, ctx);
  if (!ids.includes(repId)) return null;
  const pool = ctx.pools[poolKey(fallback)] ?? EMPTY_POOL;
  const credits = { ...pool.credits };
  if (fallback.strategy === 'ROUND_ROBIN') credits[repId] = Math.min((credits[repId] ?? 0) + 1, 1000);
  else credits[repId] = (credits[repId] ?? 0) - ids.reduce((sum, id) => sum + Math.max(0, ctx.reps[id]?.weight ?? 0), 0);
  return { ...pool, credits };
}

function weighted(eligible: RepState[], pool: PoolState, all: string[]): { pick: RepState; pool: PoolState } {
  // Smooth weighted round-robin: every eligible rep earns its weight, the richest is picked and pays the
  // total. Over time each rep's share equals its weight share; credits stay within ±total, so a rep back
  // from being away gets at most its regular turn, never a burst.
  const credits: Record<string, number> = {};
  for (const id of all) if (pool.credits[id] !== undefined) credits[id] = pool.credits[id]!;
  let total = 0;
  let pick: RepState | null = null;
  for (const r of eligible) {
    credits[r.id] = (credits[r.id] ?? 0) + r.weight;
    total += r.weight;
    if (!pick || credits[r.id]! > credits[pick.id]!) pick = r;
  }
  credits[pick!.id]! -= total;
  return { pick: pick!, pool: { ...pool, credits } };
}

function loadBalanced(eligible: RepState[]): RepState {
  // Lowest open/capacity. Uncapped reps count as if their capacity were the largest cap in the pool, so
  // one uncapped rep does not swallow every lead. Ties: longest since last assignment, then id.
  const caps = eligible.map((r) => r.max_open_leads).filter((c): c is number => c !== null && c > 0);
  const defaultCap = caps.length ? Math.max(...caps) : 1;
  const load = (r: RepState) => r.open_leads / (r.max_open_leads ?? defaultCap);
  return [...eligible].sort(
    (a, b) => load(a) - load(b) || (a.last_assigned_at ?? -Infinity) - (b.last_assigned_at ?? -Infinity) || (a.id < b.id ? -1 : 1),
  )[0]!;
}

function runStage(a: AnyAction, ctx: SelectionContext): { stage: Stage; pool?: PoolState } {
  const key = poolKey(a);
  const ids = members(a, ctx);
  // OWNER may name a pool too: then the owner counts only if they belong to it.
  const inPool = (r: RepState) => (a.team ? r.teams.includes(a.team) : a.rep_ids ? a.rep_ids.includes(r.id) : true);
  const candidates: CandidateTrace[] = [];
  const eligible: RepState[] = [];
  for (const id of ids) {
    const rep = ctx.reps[id];
    let reason = skipReason(rep, a, ctx);
    if (!reason && ownsLead(a.strategy) && !inPool(rep!)) reason = 'NOT_IN_POOL';
    candidates.push(reason ? { rep_id: id, eligible: false, reason } : { rep_id: id, eligible: true });
    if (!reason) eligible.push(rep!);
  }
  const stage: Stage = { strategy: a.strategy, pool_key: key, candidates, rep_id: null, ...(a.strategy === 'CRM_OWNER' ? { owners: ctx.owner?.crm_owners ?? [] } : {}) };
  if (!eligible.length) return { stage };
  const pool = ctx.pools[key] ?? EMPTY_POOL;
  switch (a.strategy) {
    case 'DIRECT':
    case 'OWNER':
    case 'CRM_OWNER':
      stage.rep_id = eligible[0]!.id;
      return { stage };
    case 'ROUND_ROBIN': {
      const r = roundRobin(eligible, pool);
      stage.rep_id = r.pick.id;
      return { stage, pool: r.pool };
    }
    case 'WEIGHTED': {
      const r = weighted(eligible, pool, ids);
      stage.rep_id = r.pick.id;
      return { stage, pool: r.pool };
    }
    case 'LOAD_BALANCED':
      stage.rep_id = loadBalanced(eligible).id;
      return { stage };
  }
}

/** The action, then its fallback: the stages a selection may run, in order. */
export function stagesOf(action: Action): AnyAction[] {
  return action.fallback ? [action, action.fallback] : [action];
}

/** The action's pool first, then its fallback's; the first stage with an eligible rep decides. */
export function selectRep(action: Action, ctx: SelectionContext): Selection {
  const stages: Stage[] = [];
  const pool_updates: Record<string, PoolState> = {};
  for (const a of stagesOf(action)) {
    const { stage, pool } = runStage(a, ctx);
    stages.push(stage);
    if (stage.rep_id) {
      if (pool) pool_updates[stage.pool_key] = pool;
      if (a === action && action.owner_takes_turn && action.fallback) {
        const taken = turnTaken(action.fallback, stage.rep_id, ctx);
        if (taken) pool_updates[poolKey(action.fallback)] = taken;
      }
      return { rep_id: stage.rep_id, stages, pool_updates };
    }
  }
  return { rep_id: null, stages, pool_updates };
}

/**
 * The earliest instant at which a rep skipped by this selection could become eligible by the passage of time
 * alone (working hours begin, out-of-office ends, a new local day resets the daily cap), or null. A lead
 * waiting for a rep sets a durable timer for it, so it is routed the moment someone can take it.
 */
export function eligibilityChangeAt(selection: Selection, ctx: SelectionContext): number | null {
  let earliest: number | null = null;
  const consider = (t: number) => {
    if (t > ctx.now && (earliest === null || t < earliest)) earliest = t;
  };
  for (const stage of selection.stages) {
    for (const c of stage.candidates) {
      const rep = ctx.reps[c.rep_id];
      if (!rep) continue;
      if (c.reason === 'OUTSIDE_WORKING_HOURS' || c.reason === 'HOLIDAY') consider(nextWorkingInstant(ctx.now, rep.working_hours, rep.timezone, rep.closures));
      else if (c.reason === 'OUT_OF_OFFICE') {
        for (const p of rep.out_of_office) if (Date.parse(p.start) <= ctx.now && ctx.now < Date.parse(p.end)) consider(Date.parse(p.end));
      } else if (c.reason === 'AT_DAILY_CAP') {
        const t = localTime(ctx.now, rep.timezone);
        consider(zonedToUtc(t.year, t.month, t.day + 1, 0, rep.timezone));
      }
    }
  }
  return earliest;
}

/** The reps and pools that selections in one transaction share. */
export interface SharedState {
  reps: Readonly<Record<string, RepState>>;
  pools: Readonly<Record<string, PoolState>>;
}

/**
 * What the next selection in the same transaction sees after `selection` took its rep at `at`: the pools'
 * cursors moved, the rep one lead fuller (and one more today), and the rep who had the lead (if any) one
 * lighter. Several leads decided together then take turns exactly as if each had its own transaction.
 */
export function takeTurn(state: SharedState, selection: Selection, at: number, previousRepId: string | null): SharedState {
  const reps = { ...state.reps };
  const rep = selection.rep_id ? reps[selection.rep_id] : undefined;
  if (rep) reps[rep.id] = { ...rep, open_leads: rep.open_leads + 1, assigned_today: rep.assigned_today + 1, last_assigned_at: at };
  const before = previousRepId ? reps[previousRepId] : undefined;
  if (before) reps[before.id] = { ...before, open_leads: Math.max(0, before.open_leads - 1) };
  return { reps, pools: { ...state.pools, ...selection.pool_updates } };
}
