import { firstMatch, matchRule, type CompiledRuleset } from './rules';
import type { LeadValues } from './conditions';
import type { Action, Sla } from './schema';
import { EMPTY_POOL, selectRep, type OwnerInfo, type PoolState, type RepState, type SelectionContext } from './select';
import { localDateString } from './time';

/**
 * A backtest replays past leads through a ruleset, in their order and at their times, with the roster as it
 * was: rep states change when the history says they changed, simulated assignments hold a rep's capacity until
 * the real lead let go of its rep, daily caps count the rep's local day, and round-robin pointers start where
 * they stood. Pure: the activity loads the past, this decides, the report compares.
 */

export type RepSnapshot = Omit<RepState, 'open_leads' | 'assigned_today' | 'last_assigned_at'>;

export interface BacktestLead {
  id: string;
  receivedAt: number;
  values: LeadValues;
  /** What really happened at intake. */
  actual: { repId: string | null; ruleId: string | null };
  /** When the lead's first assignment really ended (closed, reassigned, unassigned); null: it still holds. */
  releasedAt: number | null;
}

export interface BacktestInput {
  ruleset: CompiledRuleset;
  /** Oldest first. */
  leads: readonly BacktestLead[];
  /** Each rep's state from `at` on, oldest first; the window's roster is every change up to the lead's time. */
  roster: ReadonlyArray<{ at: number; rep: RepSnapshot }>;
  /** Round-robin pointers where they stood when the window began. */
  pools: Readonly<Record<string, PoolState>>;
  /** Leads from before the window still holding a rep when it began, and when they let go. */
  heldAtStart: ReadonlyArray<{ repId: string; releasedAt: number | null }>;
  /** Assignments shortly before the window (its first day's daily caps count them). */
  assignedBefore: ReadonlyArray<{ repId: string; at: number }>;
  /** Contact and account owners, for OWNER rules (as they are now: ownership history is not kept). */
  owners?: (lead: BacktestLead) => OwnerInfo | undefined;
  onProgress?: (done: number) => void;
}

export interface BacktestDecision {
  leadId: string;
  repId: string | null;
  ruleId: string | null;
  /** RULE, FALLBACK or NONE, as in an explanation. */
  source: 'RULE' | 'FALLBACK' | 'NONE';
  sla: Sla | null;
  unassignedReason: 'NO_RULE_MATCHED' | 'NO_ELIGIBLE_REP' | null;
}

/** Release times, soonest first: a binary heap, so capacity comes back in O(log n) per lead. */
class Releases {
  private readonly heap: Array<{ at: number; repId: string }> = [];
  push(at: number, repId: string): void {
    const h = this.heap;
    h.push({ at, repId });
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (h[p]!.at <= h[i]!.at) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }
  /** Every release due at or before `t`. */
  *until(t: number): Generator<string> {
    const h = this.heap;
    while (h.length && h[0]!.at <= t) {
      const top = h[0]!;
      const last = h.pop()!;
      if (h.length) {
        h[0] = last;
        for (let i = 0; ; ) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < h.length && h[l]!.at < h[m]!.at) m = l;
          if (r < h.length && h[r]!.at < h[m]!.at) m = r;
          if (m === i) break;
          [h[m], h[i]] = [h[i]!, h[m]!];
          i = m;
        }
      }
      yield top.repId;
    }
  }
}

function decide(rs: CompiledRuleset, values: LeadValues): { action: Action | null; ruleId: string | null; source: BacktestDecision['source']; sla: Sla | null } {
  const position = firstMatch(rs, values);
  const def = rs.definition;
  if (position >= 0) {
    const then = rs.rules[position]!.then;
    return { action: then, ruleId: rs.rules[position]!.id, source: 'RULE', sla: then.sla ?? def.sla ?? null };
  }
  if (def.fallback) return { action: def.fallback, ruleId: null, source: 'FALLBACK', sla: def.fallback.sla ?? def.sla ?? null };
  return { action: null, ruleId: null, source: 'NONE', sla: null };
}

/**
 * The replay, one lead at a time (`decide` in arrival order), so a long backtest can report progress and be
 * cancelled between leads.
 */
export class Backtester {
  private readonly reps: Record<string, RepState> = {};
  private readonly pools: Record<string, PoolState>;
  private readonly daily = new Map<string, number>();
  private readonly open = new Map<string, number>();
  private readonly releases = new Releases();
  private countedBefore = false;
  private roster = 0;

  constructor(private readonly input: Omit<BacktestInput, 'leads' | 'onProgress'>) {
    this.pools = { ...input.pools };
    for (const h of input.heldAtStart) this.hold(h.repId, h.releasedAt);
  }

  private dayKey(rep: RepState, t: number): string {
    return `${rep.id}|${localDateString(t, rep.timezone)}`;
  }

  private hold(repId: string, releasedAt: number | null): void {
    this.open.set(repId, (this.open.get(repId) ?? 0) + 1);
    if (releasedAt !== null) this.releases.push(releasedAt, repId);
  }

  /** The roster as of `t`: rep states recorded up to then, capacity given back by leads that let go by then. */
  private advance(t: number): void {
    const { roster } = this.input;
    while (this.roster < roster.length && roster[this.roster]!.at <= t) {
      const { rep } = roster[this.roster++]!;
      this.reps[rep.id] = { ...rep, open_leads: 0, assigned_today: 0, last_assigned_at: this.reps[rep.id]?.last_assigned_at ?? null };
    }
    if (!this.countedBefore) {
      // Assignments before the window count toward its first day's caps, on the rep's local calendar.
      this.countedBefore = true;
      for (const b of this.input.assignedBefore) {
        const rep = this.reps[b.repId];
        if (!rep) continue;
        const k = this.dayKey(rep, b.at);
        this.daily.set(k, (this.daily.get(k) ?? 0) + 1);
        rep.last_assigned_at = Math.max(rep.last_assigned_at ?? 0, b.at);
      }
    }
    for (const repId of this.releases.until(t)) this.open.set(repId, Math.max(0, (this.open.get(repId) ?? 1) - 1));
  }

  decide(lead: BacktestLead): BacktestDecision {
    const t = lead.receivedAt;
    this.advance(t);
    const d = decide(this.input.ruleset, lead.values);
    if (!d.action) return { leadId: lead.id, repId: null, ruleId: d.ruleId, source: d.source, sla: d.sla, unassignedReason: 'NO_RULE_MATCHED' };
    for (const rep of Object.values(this.reps)) {
      rep.open_leads = this.open.get(rep.id) ?? 0;
      rep.assigned_today = rep.daily_cap === null ? 0 : (this.daily.get(this.dayKey(rep, t)) ?? 0);
    }
    const ctx: SelectionContext = { now: t, reps: this.reps, pools: this.pools, owner: this.input.owners?.(lead), exclude: [] };
    const selection = selectRep(d.action, ctx);
    Object.assign(this.pools, selection.pool_updates);
    const repId = selection.rep_id;
    if (repId) {
      const rep = this.reps[repId]!;
      this.hold(repId, lead.releasedAt);
      const k = this.dayKey(rep, t);
      this.daily.set(k, (this.daily.get(k) ?? 0) + 1);
      rep.last_assigned_at = t;
    }
    return { leadId: lead.id, repId, ruleId: d.ruleId, source: d.source, sla: d.sla, unassignedReason: repId ? null : 'NO_ELIGIBLE_REP' };
  }
}

export function runBacktest(input: BacktestInput): BacktestDecision[] {
  const replay = new Backtester(input);
  return input.leads.map((lead, n) => {
    const decision = replay.decide(lead);
    if (input.onProgress && (n + 1) % 1000 === 0) input.onProgress(n + 1);
    return decision;
  });
}

/** The rule-by-rule explanation of one lead under the backtested ruleset (for the leads that would move). */
export const explainUnder = (rs: CompiledRuleset, values: LeadValues) => matchRule(rs, values).trace;

export { EMPTY_POOL };
