import { useEffect, useState } from 'react';
import { api, ApiProblem, can, errorText, must, page, type Schemas, type Session, listReps, type Rep } from '../api';
import { navigate } from '../router';
import { ConfirmButton, Link, Loaded, Notice, useAction, useLoad } from '../ui';
import { ActionEditor, SlaEditor } from '../rules/ActionEditor';
import { BacktestPanel } from '../rules/Backtest';
import { ConditionEditor, newLeaf } from '../rules/ConditionEditor';
import { diffRulesets } from '../rules/diff';
import { definitionOf, draftOf, errorAt, setIn, type Draft, type Errors, type Rule } from '../rules/model';
import { Explanation } from './LeadPage';
import { TestPanel } from '../rules/TestPanel';

/** Loads what the editor needs, then hands it to the editor. */
export function RuleEditor({ id, session }: { id: string; session: Session }) {
  const data = useLoad(async () => {
    const [ruleset, reps, lists, all] = await Promise.all([
      must(api.GET('/v1/rules/{id}', { params: { path: { id } } })),
      listReps(),
      page(api.GET('/v1/lists', { params: { query: { limit: 200 } } })),
      page(api.GET('/v1/rules', { params: { query: { status: 'ACTIVE', limit: 1 } } })),
    ]);
    return { ruleset, reps: reps.items, lists: lists.items.map((l) => l.name), active: all.items[0] ?? null };
  }, [id]);
  return <Loaded value={data} what="the rules">{(d) => <Editor key={d.ruleset.updated_at} {...d} session={session} />}</Loaded>;
}

interface EditorProps {
  ruleset: Schemas['Ruleset'];
  reps: Rep[];
  lists: string[];
  active: Schemas['Ruleset'] | null;
  session: Session;
}

function Editor({ ruleset, reps, lists, active, session }: EditorProps) {
  const editable = ruleset.status === 'DRAFT' && can(session, 'rules:write');
  const [draft, setDraft] = useState<Draft>(() => draftOf(ruleset));
  const [saved, setSaved] = useState(() => JSON.stringify(draftOf(ruleset)));
  const [view, setView] = useState<'form' | 'json'>('form');
  const [errors, setErrors] = useState<Errors>({});
  const { notice, run } = useAction();
  const dirty = JSON.stringify(draft) !== saved;
  const pool = { reps, teams: [...new Set(reps.flatMap((r) => r.teams))].sort() };
  const edit = (path: Array<string | number>, value: unknown) => setDraft((d) => setIn(d, path, value));

  // Leaving the page with unsaved changes asks first: a half-built rule is never lost silently.
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  async function save(): Promise<string> {
    try {
      await must(api.PATCH('/v1/rules/{id}', { params: { path: { id: ruleset.id } }, body: { name: draft.name, rules: draft.rules, fallback: draft.fallback ?? null, sla: draft.sla ?? null } as Schemas['RulesetUpdate'] }));
    } catch (err) {
      // The draft stays as typed; each refused field shows the API's words beside it.
      if (err instanceof ApiProblem) setErrors(Object.fromEntries(err.details.map((d) => [d.path, d.message])));
      throw err;
    }
    setErrors({});
    setSaved(JSON.stringify(draft));
    return 'Draft saved.';
  }

  const changes = diffRulesets(active ? draftOf(active) : null, draft);
  return (
    <>
      <p><Link to="/rules">← Rules</Link></p>
      <h1>{ruleset.status === 'DRAFT' ? 'Draft' : `Version ${ruleset.version}`}: {draft.name}</h1>
      {!editable && <p className="muted">{ruleset.status === 'DRAFT' ? 'Your role may read rules, not change them.' : 'Published versions never change: make a new draft from the Rules page to edit.'}</p>}
      <div className="tabs" role="tablist" aria-label="Editor view">
        <button role="tab" type="button" aria-selected={view === 'form'} onClick={() => setView('form')}>Form</button>
        <button role="tab" type="button" aria-selected={view === 'json'} onClick={() => setView('json')}>JSON</button>
      </div>
      <fieldset disabled={!editable} className="plain">
        {view === 'form' ? (
          <FormView draft={draft} errors={errors} edit={edit} lists={lists} pool={pool} />
        ) : (
          <JsonView draft={draft} onApply={setDraft} />
        )}
      </fieldset>
      {editable && (
        <div className="row sticky">
          <button type="button" className="primary" disabled={!dirty} onClick={() => run(save)}>Save draft</button>
          {dirty && <span className="muted">Unsaved changes</span>}
          {Object.keys(errors).length > 0 && <span className="error">{Object.keys(errors).length} problem(s) marked below the fields</span>}
        </div>
      )}
      <Notice text={notice.text} error={notice.error} />
      <TestPanel definition={definitionOf(draft)} render={(r) => <Explanation routing={r.routing} repName={(rid) => reps.find((x) => x.id === rid)?.name ?? rid ?? 'nobody'} />} />
      <BacktestPanel rulesetId={ruleset.id} disabled={dirty} />
      {editable && (
        <section aria-labelledby="pub">
          <h2 id="pub">Publish</h2>
          {changes.length === 0 ? <p className="muted">Nothing differs from the active rules.</p> : (
            <ul className="diff">
              {changes.map((c) => (
                <li key={c.what} className={c.kind}>
                  <strong>{c.kind}</strong> {c.what}
                  {c.kind === 'changed' && <div className="sides"><pre aria-label="Active">{JSON.stringify(c.before, null, 2)}</pre><pre aria-label="This draft">{JSON.stringify(c.after, null, 2)}</pre></div>}
                </li>
              ))}
            </ul>
          )}
          <PublishButton id={ruleset.id} dirty={dirty} changes={changes.length} />
        </section>
      )}
    </>
  );
}

function PublishButton({ id, dirty, changes }: { id: string; dirty: boolean; changes: number }) {
  const [requireBacktest, setRequireBacktest] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <div className="row">
      <label className="inline"><input type="checkbox" checked={requireBacktest} onChange={(e) => setRequireBacktest(e.target.checked)} /> require a completed backtest</label>
      <ConfirmButton
        label="Publish"
        disabled={dirty}
        question={`Publish this draft (${changes} change${changes === 1 ? '' : 's'})? Every new lead routes by it at once.`}
        onConfirm={async () => {
          setProblem(null);
          try {
            await must(api.POST('/v1/rules/{id}/publish', { params: { path: { id }, query: requireBacktest ? { require_backtest: 'true' } : {} } }));
            navigate('/rules');
          } catch (err) {
            setProblem(errorText(err));
            throw err;
          }
        }}
      />
      {dirty && <small className="muted">Save the draft before publishing.</small>}
      {problem && <p className="error" role="alert">{problem}</p>}
    </div>
  );
}

function FormView({ draft, errors, edit, lists, pool }: { draft: Draft; errors: Errors; edit: (p: Array<string | number>, v: unknown) => void; lists: string[]; pool: { reps: Rep[]; teams: string[] } }) {
  const addRule = () => edit(['rules'], [...draft.rules, { id: `rule-${draft.rules.length + 1}`, then: { strategy: 'ROUND_ROBIN', team: pool.teams[0] ?? '' } } satisfies Rule]);
  return (
    <>
      <label>Name <input value={draft.name} onChange={(e) => edit(['name'], e.target.value)} maxLength={200} /></label>
      {errorAt(errors, ['name']) && <p className="error">{errorAt(errors, ['name'])}</p>}
      <h2>Rules, first match wins</h2>
      {draft.rules.length === 0 && <p className="muted">No rules yet: every lead goes to the fallback.</p>}
      <ol className="rules">
        {draft.rules.map((rule, i) => (
          <li key={i} className="card">
            <div className="row">
              <label>Rule id <input value={rule.id} onChange={(e) => edit(['rules', i, 'id'], e.target.value)} aria-invalid={!!errorAt(errors, ['rules', i, 'id'])} /></label>
              <label>Description <input value={rule.name ?? ''} onChange={(e) => edit(['rules', i, 'name'], e.target.value || undefined)} /></label>
              <button type="button" disabled={i === 0} onClick={() => edit(['rules'], swap(draft.rules, i, i - 1))}>Move up</button>
              <button type="button" disabled={i === draft.rules.length - 1} onClick={() => edit(['rules'], swap(draft.rules, i, i + 1))}>Move down</button>
              <button type="button" className="link" onClick={() => edit(['rules'], draft.rules.filter((_, j) => j !== i))}>Delete rule</button>
            </div>
            {errorAt(errors, ['rules', i, 'id']) && <p className="error">{errorAt(errors, ['rules', i, 'id'])}</p>}
            <h3>When</h3>
            {rule.when ? (
              <ConditionEditor value={rule.when} path={['rules', i, 'when']} errors={errors} lists={lists} label={`Conditions of rule ${rule.id}`} onChange={(c) => edit(['rules', i, 'when'], c)} />
            ) : (
              <p>Every lead. <button type="button" onClick={() => edit(['rules', i, 'when'], { all: [newLeaf()] })}>Add condition</button></p>
            )}
            <h3>Then</h3>
            <ActionEditor value={rule.then} path={['rules', i, 'then']} errors={errors} pool={pool} onChange={(a) => edit(['rules', i, 'then'], a)} />
          </li>
        ))}
      </ol>
      <button type="button" onClick={addRule}>Add rule</button>
      <h2>When no rule matches</h2>
      {draft.fallback ? (
        <>
          <ActionEditor value={draft.fallback} path={['fallback']} errors={errors} pool={pool} onChange={(a) => edit(['fallback'], a)} />
          <button type="button" className="link" onClick={() => edit(['fallback'], undefined)}>Remove the fallback</button>
        </>
      ) : (
        <p>The lead waits unassigned. <button type="button" onClick={() => edit(['fallback'], { strategy: 'ROUND_ROBIN', team: pool.teams[0] ?? '' })}>Add a fallback</button></p>
      )}
      <h2>Default SLA</h2>
      <SlaEditor value={draft.sla} path={['sla']} errors={errors} onChange={(s) => edit(['sla'], s)} />
    </>
  );
}

const swap = <T,>(xs: T[], a: number, b: number): T[] => xs.map((x, i) => (i === a ? xs[b]! : i === b ? xs[a]! : x));

/** The same draft as JSON, for those who prefer it; applied only when it parses. */
function JsonView({ draft, onApply }: { draft: Draft; onApply: (d: Draft) => void }) {
  const [text, setText] = useState(() => JSON.stringify(draft, null, 2));
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <>
      <label htmlFor="json">The draft as JSON</label>
      <textarea id="json" className="json" value={text} spellCheck={false} rows={24} onChange={(e) => setText(e.target.value)} />
      <div className="row">
        <button
          type="button"
          onClick={() => {
            try {
              const parsed = JSON.parse(text) as Draft;
              if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.rules)) throw new Error('it needs "rules": [ … ]');
              onApply({ ...parsed, name: parsed.name ?? draft.name });
              setProblem(null);
            } catch (err) {
              setProblem(`Not applied: ${errorText(err)}`);
            }
          }}
        >
          Apply JSON
        </button>
        {problem && <span className="error" role="alert">{problem}</span>}
      </div>
    </>
  );
}
