import { useState, type ReactNode } from 'react';
import { api, errorText, must, type Schemas } from '../api';

const FIELDS = ['email', 'first_name', 'company', 'domain', 'country', 'state', 'source', 'industry', 'score', 'employees'] as const;

/** Routes a sample lead through the rules as they are in the editor (saved or not) and explains the outcome. */
export function TestPanel({ definition, render }: { definition: unknown; render: (r: Schemas['SimulateResponse']) => ReactNode }) {
  const [result, setResult] = useState<Schemas['SimulateResponse'] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <section aria-labelledby="test">
      <h2 id="test">Test with a sample lead</h2>
      <form
        className="grid"
        onSubmit={async (ev) => {
          ev.preventDefault();
          const f = new FormData(ev.currentTarget);
          const lead: Record<string, unknown> = {};
          for (const k of FIELDS) {
            const v = String(f.get(k) ?? '').trim();
            if (v) lead[k] = k === 'score' || k === 'employees' ? Number(v) : v;
          }
          setProblem(null);
          try {
            setResult(await must(api.POST('/v1/rules/simulate', { body: { lead: lead as Schemas['LeadInput'], ruleset: definition as Schemas['SimulateRequest']['ruleset'] } })));
          } catch (err) {
            setResult(null);
            setProblem(errorText(err));
          }
        }}
      >
        {FIELDS.map((k) => (
          <label key={k}>
            Sample {k.replace('_', ' ')} <input name={k} type={k === 'email' ? 'email' : k === 'score' || k === 'employees' ? 'number' : 'text'} required={k === 'email'} />
          </label>
        ))}
        <button type="submit">Test</button>
      </form>
      {problem && <p className="error" role="alert">{problem}</p>}
      {result && (
        <div className="result" role="status">
          <p><strong>{result.assigned_rep_id ? 'Would be assigned' : 'Would wait unassigned'}</strong></p>
          {render(result)}
        </div>
      )}
    </section>
  );
}
