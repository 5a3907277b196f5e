import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { leadValues } from '../src/routing/conditions';
import { Backtester, type BacktestLead, type RepSnapshot } from '../src/routing/backtest';
import { backtestReport } from '../src/routing/backtestReport';
import { compileRuleset } from '../src/routing/rules';
import { RulesetDefinitionSchema } from '../src/routing/schema';
import { bigRules } from './lib/bigRuleset';
import { lead, rng } from './lib/leads';

/**
 * `npm run bench:backtest`: the backtest engine (the pure routing core, no API, no database) replaying
 * 100,000 leads over 30 days through a 500-rule ruleset, with 130 reps in 13 teams whose statuses change
 * 2,000 times over the window, capacities, daily caps and leads that let go of their reps, then building the
 * report. Goal: under 30 s. Writes bench/results/backtest-<time>.json and backtest-latest.json.
 */
const RULES = Number(process.env.BENCH_RULES ?? 500);
const LEADS = Number(process.env.BENCH_LEADS ?? 100_000);
const GOAL_S = 30;
const DAY = 86_400_000;
const rand = rng(7);

const teams = [...Array.from({ length: 12 }, (_, i) => `team-${i}`), 'sdr'];
const start = Date.UTC(2026, 9, 1);
const span = 30 * DAY;

function roster(): Array<{ at: number; rep: RepSnapshot }> {
  const reps: RepSnapshot[] = teams.flatMap((team, t) =>
    Array.from({ length: 10 }, (_, i) => ({
      id: `rep_${String(t).padStart(2, '0')}${i}`,
      name: `${team} rep ${i}`,
      status: 'AVAILABLE' as const,
      active: true,
      teams: [team],
      weight: 1 + (i % 3),
      max_open_leads: i % 4 === 0 ? 400 : null,
      daily_cap: i % 5 === 0 ? 60 : null,
      timezone: ['UTC', 'Europe/Berlin', 'America/New_York'][i % 3]!,
      working_hours: null,
      out_of_office: [],
    })),
  );
  const changes = reps.map((rep) => ({ at: start - DAY, rep }));
  for (let k = 0; k < 2000; k++) {
    const rep = reps[Math.floor(rand() * reps.length)]!;
    changes.push({ at: start + Math.floor(rand() * span), rep: { ...rep, status: rand() < 0.5 ? 'AWAY' : 'AVAILABLE' } });
  }
  return changes.sort((a, b) => a.at - b.at);
}

function main(): void {
  const definition = RulesetDefinitionSchema.parse({ rules: bigRules(RULES, (i) => `team-${i % 12}`), fallback: { strategy: 'ROUND_ROBIN', team: 'sdr' }, sla: { first_touch_minutes: 60 } });
  const history = roster();
  const leads: Array<BacktestLead & { actualSlaMinutes: number | null }> = Array.from({ length: LEADS }, (_, i) => {
    const receivedAt = start + Math.floor((i / LEADS) * span);
    return {
      id: `lead_${i}`,
      receivedAt,
      values: leadValues(lead(i)),
      actual: { repId: history[Math.floor(rand() * 130)]!.rep.id, ruleId: null },
      releasedAt: receivedAt + Math.floor(rand() * 3 * DAY),
      actualSlaMinutes: 60,
    };
  });
  process.stdout.write(`backtest: ${LEADS.toLocaleString('en')} leads over 30 days, ${RULES} rules, 130 reps, ${history.length} roster changes (${os.cpus()[0]?.model ?? 'cpu'})\n`);

  const t0 = process.hrtime.bigint();
  const compiled = compileRuleset(definition);
  const t1 = process.hrtime.bigint();
  const replay = new Backtester({ ruleset: compiled, roster: history, pools: {}, heldAtStart: [], assignedBefore: [] });
  const decisions = leads.map((l) => replay.decide(l));
  const t2 = process.hrtime.bigint();
  const reps = Object.fromEntries(history.map((h) => [h.rep.id, { name: h.rep.name, teams: h.rep.teams }]));
  const touches = Object.fromEntries(Object.keys(reps).map((id) => [id, Array.from({ length: 200 }, () => rand() * 240)]));
  const report = backtestReport({ leads, decisions, ruleIds: definition.rules.map((r) => r.id), reps, touchMinutes: touches });
  const t3 = process.hrtime.bigint();

  const s = (a: bigint, b: bigint) => Number(b - a) / 1e9;
  const total = s(t0, t3);
  const result = {
    at: new Date().toISOString(),
    leads: LEADS,
    rules: RULES,
    reps: 130,
    roster_changes: history.length,
    compile_s: round(s(t0, t1)),
    replay_s: round(s(t1, t2)),
    report_s: round(s(t2, t3)),
    total_s: round(total),
    leads_per_s: Math.round(LEADS / total),
    goal_s: GOAL_S,
    goal_met: total < GOAL_S,
    summary: report.summary,
  };
  process.stdout.write(
    `  compile ${result.compile_s} s, replay ${result.replay_s} s, report ${result.report_s} s: ${result.total_s} s in all, ${result.leads_per_s.toLocaleString('en')} leads/s ` +
      `(goal: ${LEADS.toLocaleString('en')} in under ${GOAL_S} s: ${result.goal_met ? 'met' : 'NOT met'})\n  ${report.summary}\n`,
  );
  const dir = path.resolve(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `backtest-${result.at.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(result, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'backtest-latest.json'), `${JSON.stringify(result, null, 2)}\n`);
}

const round = (x: number) => Math.round(x * 100) / 100;

main();
