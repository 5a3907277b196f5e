import type { BacktestDecision, BacktestLead } from './backtest';

/**
 * What a backtest tells a RevOps engineer before they publish: which leads would move, how each rep's load
 * and each team's fairness would change, which rules would never match, which leads would wait unassigned
 * and why, and how many SLA breaches the new distribution would likely bring. Pure.
 */

export interface ReportInput {
  leads: readonly (BacktestLead & { actualSlaMinutes: number | null })[];
  decisions: readonly BacktestDecision[];
  ruleIds: readonly string[];
  /** Reps by id with their teams and names, as they are at the window's end. */
  reps: Readonly<Record<string, { name?: string; teams: string[] }>>;
  /** Each rep's historical minutes from assignment to first touch (any order). */
  touchMinutes: Readonly<Record<string, readonly number[]>>;
  /** At most this many moved leads are listed (all are counted). */
  changesListed?: number;
}

export interface RepLoad {
  rep_id: string;
  name: string | null;
  before: number;
  after: number;
  change: number;
  change_pct: number | null;
}

export interface TeamFairness {
  team: string;
  reps: number;
  /** Jain's index over the team's reps' lead counts: 1 is perfectly even, 1/n is one rep taking everything. */
  before: number;
  after: number;
  load_before: number;
  load_after: number;
}

export interface BacktestReport {
  summary: string;
  leads: number;
  moved: number;
  changes: Array<{ lead_id: string; received_at: string; before: { rep_id: string | null; rule_id: string | null }; after: { rep_id: string | null; rule_id: string | null; source: string } }>;
  reps: RepLoad[];
  teams: TeamFairness[];
  rules_never_matched: string[];
  unassigned: { total: number; by_reason: Record<string, number>; lead_ids: string[] };
  sla: { leads_with_sla: number; expected_breaches_before: number; expected_breaches_after: number; reps_without_history: string[] };
}

/** Jain's fairness index of non-negative counts: (Σx)² / (n·Σx²); 1 when all are equal or all zero. */
export function jain(counts: readonly number[]): number {
  const sum = counts.reduce((a, b) => a + b, 0);
  const squares = counts.reduce((a, b) => a + b * b, 0);
  return squares === 0 ? 1 : round((sum * sum) / (counts.length * squares), 4);
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const pct = (before: number, after: number) => (before === 0 ? null : round(((after - before) / before) * 100, 1));

/** The chance the rep misses `minutes`: the share of their past first touches that took longer. */
function breachChance(touches: readonly number[] | undefined, minutes: number): number | null {
  if (!touches?.length) return null;
  return touches.filter((m) => m > minutes).length / touches.length;
}

function count<K>(items: readonly K[]): Map<K, number> {
  const m = new Map<K, number>();
  for (const k of items) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

export function backtestReport(input: ReportInput): BacktestReport {
  const { leads, decisions } = input;
  const moved = decisions.filter((d, i) => d.repId !== leads[i]!.actual.repId);
  const byId = new Map(leads.map((l) => [l.id, l]));
  const before = count(leads.map((l) => l.actual.repId).filter((r): r is string => r !== null));
  const after = count(decisions.map((d) => d.repId).filter((r): r is string => r !== null));
  const repIds = [...new Set([...before.keys(), ...after.keys()])].sort();
  const reps: RepLoad[] = repIds.map((id) => {
    const b = before.get(id) ?? 0;
    const a = after.get(id) ?? 0;
    return { rep_id: id, name: input.reps[id]?.name ?? null, before: b, after: a, change: a - b, change_pct: pct(b, a) };
  });

  const teamNames = [...new Set(Object.values(input.reps).flatMap((r) => r.teams))].sort();
  const teams: TeamFairness[] = teamNames
    .map((team) => {
      const members = Object.keys(input.reps).filter((id) => input.reps[id]!.teams.includes(team)).sort();
      const b = members.map((id) => before.get(id) ?? 0);
      const a = members.map((id) => after.get(id) ?? 0);
      const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
      return { team, reps: members.length, before: jain(b), after: jain(a), load_before: sum(b), load_after: sum(a) };
    })
    .filter((t) => t.load_before + t.load_after > 0);

  const matched = new Set(decisions.map((d) => d.ruleId));
  const never = input.ruleIds.filter((id) => !matched.has(id));
  const waiting = decisions.filter((d) => d.repId === null);
  const byReason: Record<string, number> = {};
  for (const d of waiting) byReason[d.unassignedReason ?? 'UNKNOWN'] = (byReason[d.unassignedReason ?? 'UNKNOWN'] ?? 0) + 1;

  let withSla = 0;
  let expectedBefore = 0;
  let expectedAfter = 0;
  const noHistory = new Set<string>();
  decisions.forEach((d, i) => {
    const lead = leads[i]!;
    const minutes = d.sla?.first_touch_minutes;
    if (minutes === undefined || !d.repId) return;
    withSla++;
    const chanceAfter = breachChance(input.touchMinutes[d.repId], minutes);
    if (chanceAfter === null) noHistory.add(d.repId);
    expectedAfter += chanceAfter ?? 0;
    const wasMinutes = lead.actualSlaMinutes ?? minutes;
    if (lead.actual.repId) expectedBefore += breachChance(input.touchMinutes[lead.actual.repId], wasMinutes) ?? 0;
  });

  const biggest = [...reps].filter((r) => r.change !== 0).sort((a, b) => Math.abs(b.change) - Math.abs(a.change))[0];
  const teamShift = teams.filter((t) => t.load_before > 0 && t.load_after !== t.load_before).sort((a, b) => Math.abs(b.load_after - b.load_before) - Math.abs(a.load_after - a.load_before))[0];
  const parts = [`${moved.length.toLocaleString('en')} of ${leads.length.toLocaleString('en')} leads would move`];
  if (teamShift) parts.push(`${teamShift.team} load ${teamShift.load_after >= teamShift.load_before ? '+' : ''}${pct(teamShift.load_before, teamShift.load_after)}%`);
  else if (biggest) parts.push(`${biggest.name ?? biggest.rep_id} ${biggest.change > 0 ? '+' : ''}${biggest.change} leads`);
  if (never.length) parts.push(`${never.length} rule${never.length === 1 ? '' : 's'} never match${never.length === 1 ? 'es' : ''}`);
  if (waiting.length) parts.push(`${waiting.length} would wait unassigned`);
  parts.push(`expected SLA breaches ${round(expectedBefore, 1)} → ${round(expectedAfter, 1)}`);

  return {
    summary: parts.join('; '),
    leads: leads.length,
    moved: moved.length,
    changes: moved.slice(0, input.changesListed ?? 1000).map((d) => {
      const lead = byId.get(d.leadId)!;
      return {
        lead_id: d.leadId,
        received_at: new Date(lead.receivedAt).toISOString(),
        before: { rep_id: lead.actual.repId, rule_id: lead.actual.ruleId },
        after: { rep_id: d.repId, rule_id: d.ruleId, source: d.source },
      };
    }),
    reps,
    teams,
    rules_never_matched: never,
    unassigned: { total: waiting.length, by_reason: byReason, lead_ids: waiting.slice(0, 100).map((d) => d.leadId) },
    sla: { leads_with_sla: withSla, expected_breaches_before: round(expectedBefore, 1), expected_breaches_after: round(expectedAfter, 1), reps_without_history: [...noHistory].sort() },
  };
}
