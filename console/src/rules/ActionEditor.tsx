import { ESCALATION_ACTIONS, STRATEGIES } from '../../../src/routing/vocabulary';
import type { Rep } from '../api';
import { errorAt, type Action, type Errors, type Sla } from './model';

interface Pool {
  reps: Rep[];
  teams: string[];
}

/** Who gets the lead: the strategy and its pool, options, the SLA and its escalation steps, and a fallback. */
export function ActionEditor({ value, path, errors, pool, onChange, nested }: { value: Action; path: Array<string | number>; errors: Errors; pool: Pool; onChange: (a: Action) => void; nested?: boolean }) {
  const err = (k: string) => errorAt(errors, [...path, k], true);
  const poolKind = value.strategy === 'DIRECT' ? 'rep' : value.rep_ids ? 'reps' : 'team';
  const update = (patch: Partial<Action>) => {
    const next = { ...value, ...patch } as Action;
    for (const k of Object.keys(next) as Array<keyof Action>) if (next[k] === undefined) delete next[k];
    onChange(next);
  };
  const setPool = (kind: string) =>
    update(kind === 'team' ? { team: pool.teams[0] ?? '', rep_ids: undefined, rep_id: undefined } : kind === 'reps' ? { rep_ids: [], team: undefined, rep_id: undefined } : { rep_id: pool.reps[0]?.id ?? '', team: undefined, rep_ids: undefined });
  return (
    <div className="action">
      <div className="row">
        <label>
          {nested ? 'Fallback strategy' : 'Strategy'}
          <select value={value.strategy} onChange={(e) => { const s = e.target.value; update(s === 'DIRECT' ? { strategy: s, rep_id: pool.reps[0]?.id ?? '', team: undefined, rep_ids: undefined } : { strategy: s, rep_id: undefined, ...(value.team || value.rep_ids ? {} : { team: pool.teams[0] ?? '' }) }); }}>
            {STRATEGIES.map((s) => <option key={s}>{s}</option>)}
          </select>
        </label>
        {value.strategy !== 'DIRECT' && (
          <label>
            Pool
            <select value={poolKind} onChange={(e) => setPool(e.target.value)}>
              <option value="team">a team</option>
              <option value="reps">chosen reps</option>
            </select>
          </label>
        )}
        {poolKind === 'team' && (
          <label>
            Team
            <select value={value.team ?? ''} onChange={(e) => update({ team: e.target.value })} aria-invalid={!!err('team')}>
              <option value="">Choose a team</option>
              {pool.teams.map((t) => <option key={t}>{t}</option>)}
            </select>
          </label>
        )}
        {poolKind === 'rep' && (
          <label>
            Rep
            <select value={value.rep_id ?? ''} onChange={(e) => update({ rep_id: e.target.value })} aria-invalid={!!err('rep_id')}>
              {pool.reps.map((r) => <option key={r.id} value={r.id}>{r.name}</option>)}
            </select>
          </label>
        )}
      </div>
      {poolKind === 'reps' && (
        <fieldset>
          <legend>Reps in the pool</legend>
          {pool.reps.map((r) => (
            <label key={r.id} className="inline">
              <input type="checkbox" checked={value.rep_ids?.includes(r.id) ?? false} onChange={(e) => update({ rep_ids: e.target.checked ? [...(value.rep_ids ?? []), r.id] : (value.rep_ids ?? []).filter((x) => x !== r.id) })} /> {r.name}
            </label>
          ))}
        </fieldset>
      )}
      {(err('team') || err('rep_ids') || err('rep_id') || err('strategy')) && <p className="error">{err('team') ?? err('rep_ids') ?? err('rep_id') ?? err('strategy')}</p>}
      <div className="row">
        <label className="inline"><input type="checkbox" checked={!!value.respect_working_hours} onChange={(e) => update({ respect_working_hours: e.target.checked || undefined })} /> only reps within working hours</label>
        <label className="inline"><input type="checkbox" checked={!!value.set_owner} onChange={(e) => update({ set_owner: e.target.checked || undefined })} /> the rep becomes the account's owner</label>
      </div>
      {!nested && (
        <>
          <SlaEditor value={value.sla} path={[...path, 'sla']} errors={errors} onChange={(sla) => update({ sla })} />
          {value.fallback ? (
            <fieldset>
              <legend>When nobody in the pool can take it</legend>
              <ActionEditor nested value={value.fallback} path={[...path, 'fallback']} errors={errors} pool={pool} onChange={(fallback) => update({ fallback })} />
              <button type="button" className="link" onClick={() => update({ fallback: undefined })}>Remove fallback</button>
            </fieldset>
          ) : (
            <button type="button" onClick={() => update({ fallback: { strategy: 'ROUND_ROBIN', team: pool.teams[0] ?? '' } })}>Add a fallback</button>
          )}
        </>
      )}
    </div>
  );
}

export function SlaEditor({ value, path, errors, onChange }: { value: Sla | undefined; path: Array<string | number>; errors: Errors; onChange: (s: Sla | undefined) => void }) {
  if (!value) return <button type="button" onClick={() => onChange({ first_touch_minutes: 60, escalations: [] })}>Add an SLA</button>;
  const steps = value.escalations ?? [];
  const err = errorAt(errors, path, true);
  return (
    <fieldset>
      <legend>SLA</legend>
      <div className="row">
        <label>
          First touch within (minutes)
          <input type="number" min={0} step="any" value={value.first_touch_minutes} onChange={(e) => onChange({ ...value, first_touch_minutes: Number(e.target.value) })} />
        </label>
        <label className="inline"><input type="checkbox" checked={!!value.business_hours} onChange={(e) => onChange({ ...value, business_hours: e.target.checked })} /> count working hours only</label>
      </div>
      <ol>
        {steps.map((s, i) => (
          <li key={i} className="row">
            <label>
              Minutes after the deadline
              <input type="number" min={0} step="any" value={s.after_minutes} onChange={(e) => onChange({ ...value, escalations: steps.map((x, j) => (j === i ? { ...x, after_minutes: Number(e.target.value) } : x)) })} />
            </label>
            <label>
              Then
              <select value={s.action} onChange={(e) => onChange({ ...value, escalations: steps.map((x, j) => (j === i ? { ...x, action: e.target.value } : x)) })}>
                {ESCALATION_ACTIONS.map((a) => <option key={a}>{a}</option>)}
              </select>
            </label>
            <button type="button" className="link" onClick={() => onChange({ ...value, escalations: steps.filter((_, j) => j !== i) })}>Remove step</button>
          </li>
        ))}
      </ol>
      <div className="row">
        <button type="button" onClick={() => onChange({ ...value, escalations: [...steps, { after_minutes: steps.at(-1)?.after_minutes ?? 0, action: 'REMIND' }] })}>Add escalation step</button>
        <button type="button" className="link" onClick={() => onChange(undefined)}>Remove SLA</button>
      </div>
      {err && <p className="error">{err}</p>}
    </fieldset>
  );
}
