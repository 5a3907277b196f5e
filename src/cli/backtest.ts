import { Presets, SingleBar } from 'cli-progress';

/**
 * `npm run routeswit -- backtest rs_… --from … --to …`: starts a backtest through the API, shows its progress,
 * prints the report's summary and per-rep table. Ctrl-C cancels the backtest, not just the command.
 */
export interface BacktestCliOptions {
  rulesetId: string;
  body: { from: string; to: string; team?: string; source?: string; limit?: number };
  baseUrl: string;
  apiKey: string;
  progress: boolean;
}

export class BacktestCliError extends Error {}

interface BacktestBody {
  id: string;
  status: 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
  leads_total: number | null;
  leads_done: number;
  error: string | null;
  report: null | {
    summary: string;
    reps: Array<{ rep_id: string; name: string | null; before: number; after: number; change: number }>;
    teams: Array<{ team: string; before: number; after: number }>;
    rules_never_matched: string[];
  };
}

const POLL_MS = 500;

export async function backtestCli(o: BacktestCliOptions): Promise<{ backtest: BacktestBody; text: string }> {
  const base = o.baseUrl.replace(/\/$/, '');
  const call = async (method: string, path: string, body?: unknown): Promise<BacktestBody> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${o.apiKey}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json().catch(() => ({}))) as { error?: { message: string; details?: Array<{ path: string; message: string }> } } & BacktestBody;
    if (!res.ok) throw new BacktestCliError(`${res.status}: ${json.error?.message ?? res.statusText}${json.error?.details?.length ? ` (${json.error.details.map((d) => `${d.path}: ${d.message}`).join('; ')})` : ''}`);
    return json;
  };
  let bt = await call('POST', `/v1/rules/${encodeURIComponent(o.rulesetId)}/backtest`, o.body);
  const bar = o.progress ? new SingleBar({ format: 'backtest [{bar}] {value}/{total} leads', stream: process.stderr, noTTYOutput: true, notTTYSchedule: 250 }, Presets.shades_classic) : null;
  bar?.start(bt.leads_total ?? 0, 0);
  const cancel = () => void call('POST', `/v1/backtests/${bt.id}/cancel`).catch(() => undefined);
  process.once('SIGINT', cancel);
  try {
    while (bt.status === 'RUNNING') {
      await new Promise((r) => setTimeout(r, POLL_MS));
      bt = await call('GET', `/v1/backtests/${bt.id}`);
      bar?.update(bt.leads_done);
    }
  } finally {
    bar?.stop();
    process.removeListener('SIGINT', cancel);
  }
  if (bt.status !== 'COMPLETED' || !bt.report) throw new BacktestCliError(`backtest ${bt.id} ${bt.status}${bt.error ? `: ${bt.error}` : ''}`);
  const r = bt.report;
  const lines = [r.summary, '', 'rep                          before  after  change'];
  for (const rep of r.reps) lines.push(`${(rep.name ?? rep.rep_id).slice(0, 28).padEnd(28)} ${String(rep.before).padStart(6)} ${String(rep.after).padStart(6)} ${(rep.change > 0 ? '+' : '') + rep.change}`.trimEnd());
  for (const t of r.teams) lines.push(`team ${t.team}: fairness ${t.before} → ${t.after}`);
  if (r.rules_never_matched.length) lines.push(`never match: ${r.rules_never_matched.join(', ')}`);
  lines.push(`report: ${base}/v1/backtests/${bt.id} (CSV: /v1/backtests/${bt.id}/export)`);
  return { backtest: bt, text: `${lines.join('\n')}\n` };
}
