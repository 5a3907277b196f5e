import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileRuleset, firstMatch, firstMatchNaive, matchRule, type CompiledRuleset } from '../src/routing/rules';
import { RulesetDefinitionSchema } from '../src/routing/schema';
import { bigRules } from './lib/bigRuleset';
import { lead } from './lib/leads';

/**
 * `npm run bench:rules`: evaluates a 500-rule ruleset (varied operators, the matching rules near the end)
 * against 100k generated leads on one core, and reports evaluations per second and the per-lead p50/p99 for
 * the routing path (first match, as the router decides), the explained path (as a lead's workflow records
 * it) and a naive every-rule-in-order baseline. Writes bench/results/rules-<time>.json and rules-latest.json.
 */

const RULES = Number(process.env.BENCH_RULES ?? 500);
const LEADS = Number(process.env.BENCH_LEADS ?? 100_000);

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Figures {
  evaluations_per_s: number;
  p50_us: number;
  p99_us: number;
  max_us: number;
}

function measure(name: string, leads: Array<Record<string, unknown>>, fn: (l: Record<string, unknown>) => unknown): Figures {
  for (let i = 0; i < Math.min(20_000, leads.length); i++) fn(leads[i]!); // warm-up: let the JIT settle
  const times = new Float64Array(leads.length);
  const started = process.hrtime.bigint();
  for (let i = 0; i < leads.length; i++) {
    const t0 = process.hrtime.bigint();
    fn(leads[i]!);
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const totalS = Number(process.hrtime.bigint() - started) / 1e9;
  // Throughput is measured without the per-lead timer too, so the clock's own cost does not count against it.
  const bulkStart = process.hrtime.bigint();
  for (let i = 0; i < leads.length; i++) fn(leads[i]!);
  const bulkS = Number(process.hrtime.bigint() - bulkStart) / 1e9;
  times.sort();
  const figures = {
    evaluations_per_s: Math.round(leads.length / Math.min(bulkS, totalS)),
    p50_us: round(percentile(times, 50)),
    p99_us: round(percentile(times, 99)),
    max_us: round(times[times.length - 1]!),
  };
  process.stdout.write(`  ${name.padEnd(34)} ${String(figures.evaluations_per_s).padStart(10)} leads/s   p50 ${figures.p50_us} µs   p99 ${figures.p99_us} µs\n`);
  return figures;
}

const round = (x: number) => Math.round(x * 100) / 100;

function main(): void {
  const definition = RulesetDefinitionSchema.parse({ rules: bigRules(RULES, (i) => `team-${i % 12}`), fallback: { strategy: 'ROUND_ROBIN', team: 'sdr' } });
  const t0 = process.hrtime.bigint();
  const rs: CompiledRuleset = compileRuleset(definition);
  const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const leads = Array.from({ length: LEADS }, (_, i) => lead(i));

  const matched = new Map<string, number>();
  let nearEnd = 0;
  for (const l of leads) {
    const pos = firstMatch(rs, l);
    const key = pos === -1 ? 'fallback' : `rule-${pos}`;
    matched.set(key, (matched.get(key) ?? 0) + 1);
    if (pos >= RULES - 10) nearEnd++;
  }

  process.stdout.write(`Routeswit rule evaluation: ${RULES} rules, ${LEADS} leads, one core (${os.cpus()[0]?.model ?? 'cpu'})\n`);
  process.stdout.write(`  compiled in ${compileMs.toFixed(1)} ms; ${((nearEnd / LEADS) * 100).toFixed(1)}% of leads match one of the last 10 rules, ${(((matched.get('fallback') ?? 0) / LEADS) * 100).toFixed(1)}% fall back\n`);
  const routing = measure('routing decision (indexed)', leads, (l) => firstMatch(rs, l));
  const explained = measure('decision with full explanation', leads, (l) => matchRule(rs, l));
  const naive = measure('naive baseline (every rule in order)', leads.slice(0, 20_000), (l) => firstMatchNaive(rs, l));

  const goal = { evaluations_per_s: 200_000, p99_us: 1000 };
  const met = routing.evaluations_per_s >= goal.evaluations_per_s && routing.p99_us < goal.p99_us;
  process.stdout.write(`  goal ≥ ${goal.evaluations_per_s} leads/s and p99 < 1 ms on the routing path: ${met ? 'MET' : 'NOT MET'}\n`);

  const result = {
    benchmark: 'rules',
    at: new Date().toISOString(),
    rules: RULES,
    leads: LEADS,
    compile_ms: round(compileMs),
    share_matching_last_10_rules: round(nearEnd / LEADS),
    routing,
    explained,
    naive,
    goal,
    goal_met: met,
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()}-${os.arch()}` },
  };
  const dir = path.resolve(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = result.at.replace(/[:.]/g, '-');
  fs.writeFileSync(path.join(dir, `rules-${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'rules-latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`  written to bench/results/rules-${stamp}.json\n`);
}

if (require.main === module) main();

export { lead, RULES };
