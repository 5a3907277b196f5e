import { SEGMENTS } from './bigRuleset';

/** Generated leads for the rule-engine and backtest benchmarks: varied fields, seeded, so every run sees the same leads. */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export const rand = rng(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

const COUNTRIES = ['DE', 'FR', 'GB', 'US', 'CA', 'BR', 'JP', 'IN', 'AU', 'ES', 'IT', 'NL', 'SE', 'PL', 'MX', 'ZA'];
const SOURCES = Array.from({ length: 60 }, (_, i) => `source-${i}`);
const INDUSTRIES = Array.from({ length: 40 }, (_, i) => `industry-${i}`);

export function lead(i: number): Record<string, unknown> {
  return {
    email: `lead${i}@company-${i % 997}.com`,
    first_name: 'Jo',
    last_name: 'Doe',
    company: `Company ${i % 997}`,
    country: pick(COUNTRIES),
    state: pick(['CA', 'NY', 'TX', null]),
    source: pick(SOURCES),
    score: Math.floor(rand() * 100),
    employees: Math.floor(rand() * 20000),
    industry: pick(INDUSTRIES),
    external_id: `crm-${i}`,
    // One lead in ten has no segment and falls through to the fallback.
    attributes: rand() < 0.9 ? { segment: pick(SEGMENTS), plan: pick(['free', 'pro']) } : { plan: 'free' },
  };
}

