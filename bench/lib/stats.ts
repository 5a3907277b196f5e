export interface Summary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  count: number;
}

export function summarize(values: number[]): Summary {
  if (!values.length) return { p50: NaN, p95: NaN, p99: NaN, max: NaN, count: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  const round = (x: number) => Math.round(x * 10) / 10;
  return { p50: round(at(50)), p95: round(at(95)), p99: round(at(99)), max: round(sorted[sorted.length - 1]!), count: sorted.length };
}

export function table(rows: Array<[string, ...Array<string | number>]>): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ')).join('\n');
}
