import { useState } from 'react';
import { api, must, type Schemas } from '../api';
import { Notice, useAction } from '../ui';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Replays past leads through the saved draft and shows who would have got them instead. */
export function BacktestPanel({ rulesetId, disabled }: { rulesetId: string; disabled: boolean }) {
  const [report, setReport] = useState<Schemas['Backtest'] | null>(null);
  const { notice, run } = useAction();
  const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  const today = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  return (
    <section aria-labelledby="bt">
      <h2 id="bt">Backtest</h2>
      <form
        className="row"
        onSubmit={(ev) => {
          ev.preventDefault();
          const f = new FormData(ev.currentTarget);
          void run(async () => {
            let bt = await must(api.POST('/v1/rules/{id}/backtest', { params: { path: { id: rulesetId } }, body: { from: new Date(String(f.get('from'))).toISOString(), to: new Date(String(f.get('to'))).toISOString() } }));
            setReport(bt);
            while (bt.status === 'RUNNING') {
              await sleep(1000);
              bt = await must(api.GET('/v1/backtests/{id}', { params: { path: { id: bt.id } } }));
              setReport(bt);
            }
            if (bt.status !== 'COMPLETED') throw new Error(`The backtest ${bt.status.toLowerCase()}${bt.error ? `: ${bt.error}` : ''}`);
            return bt.report?.summary ?? 'Done.';
          });
        }}
      >
        <label>From <input type="date" name="from" defaultValue={monthAgo} required /></label>
        <label>To <input type="date" name="to" defaultValue={today} required /></label>
        <button type="submit" disabled={disabled}>Run backtest</button>
        {disabled && <small className="muted">Save the draft first: a backtest replays the saved rules.</small>}
      </form>
      <Notice text={notice.text} error={notice.error} />
      {report?.status === 'RUNNING' && <progress max={report.leads_total ?? undefined} value={report.leads_done} aria-label="Backtest progress" />}
      {report?.report && <ReportChart report={report.report} />}
    </section>
  );
}

/** Each rep's leads before and after, as paired bars (the chart the dashboard's report draws). */
function ReportChart({ report }: { report: NonNullable<Schemas['Backtest']['report']> }) {
  const max = Math.max(1, ...report.reps.flatMap((r) => [r.before, r.after]));
  const rows = report.reps.slice(0, 20);
  const h = 22;
  return (
    <figure>
      <figcaption>Leads per rep: before (grey) and with these rules (blue). {report.moved} of {report.leads} would move.</figcaption>
      <svg role="img" aria-label={`Leads per rep before and after: ${rows.map((r) => `${r.name ?? r.rep_id} ${r.before} to ${r.after}`).join('; ')}`} width="100%" viewBox={`0 0 600 ${rows.length * h * 2 + 10}`}>
        {rows.map((r, i) => (
          <g key={r.rep_id} transform={`translate(0 ${i * h * 2})`}>
            <text x="0" y={h} fontSize="12" fill="#1d2430">{(r.name ?? r.rep_id).slice(0, 22)}</text>
            <rect x="160" y="4" height={h - 6} width={(r.before / max) * 400} fill="#8a94a6" />
            <rect x="160" y={h} height={h - 6} width={(r.after / max) * 400} fill="#1f6feb" />
            <text x={165 + (Math.max(r.before, r.after) / max) * 400} y={h + 4} fontSize="12" fill="#1d2430">{r.before} → {r.after}</text>
          </g>
        ))}
      </svg>
      {report.rules_never_matched.length > 0 && <p>Rules that never matched: {report.rules_never_matched.join(', ')}</p>}
    </figure>
  );
}
