import { useState } from 'react';
import { api, can, must, page, type Session } from '../api';
import { ConfirmButton, Field, Loaded, Notice, useAction, useLoad, when } from '../ui';

/** Named lists that rules test against, and the calendars of days nobody works. */
export function ListsAndCalendars({ session }: { session: Session }) {
  return (
    <>
      <h1>Lists and calendars</h1>
      <Lists writer={can(session, 'rules:write')} />
      <Calendars writer={can(session, 'reps:write')} />
    </>
  );
}

function Lists({ writer }: { writer: boolean }) {
  const lists = useLoad(() => page(api.GET('/v1/lists', { params: { query: { limit: 200 } } })), []);
  const [open, setOpen] = useState<string | null>(null);
  const { notice, run } = useAction();
  return (
    <section aria-labelledby="lists">
      <h2 id="lists">Lists</h2>
      <Loaded value={lists} what="lists" empty={(l) => l.items.length === 0}>
        {({ items }) => (
          <ul>
            {items.map((l) => (
              <li key={l.name}>
                <button type="button" className="link" aria-expanded={open === l.name} onClick={() => setOpen(open === l.name ? null : l.name)}>{l.name}</button> — {l.value_count} values, used by {l.used_by.length} ruleset(s), changed {when(l.updated_at)}
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      {open && <ListForm key={open} name={open} writer={writer} onSaved={(m) => { lists.reload(); void run(async () => m); }} />}
      {writer && (
        <details>
          <summary>New list</summary>
          <ListForm writer onSaved={(m) => { lists.reload(); void run(async () => m); }} />
        </details>
      )}
      <Notice text={notice.text} error={notice.error} />
    </section>
  );
}

function ListForm({ name, writer, onSaved }: { name?: string; writer: boolean; onSaved: (m: string) => void }) {
  const detail = useLoad(async () => (name ? must(api.GET('/v1/lists/{name}', { params: { path: { name } } })) : null), [name]);
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <Loaded value={detail} what="the list">
      {(d) => (
        <form
          className="card"
          onSubmit={async (ev) => {
            ev.preventDefault();
            const f = new FormData(ev.currentTarget);
            const listName = name ?? String(f.get('name')).trim();
            const values = String(f.get('values')).split(/\r?\n/).map((v) => v.trim()).filter(Boolean);
            try {
              await must(api.PUT('/v1/lists/{name}', { params: { path: { name: listName } }, body: { description: String(f.get('description')).trim() || null, values } }));
              setProblem(null);
              onSaved(`Saved the list ${listName} (${values.length} values).`);
            } catch (err) {
              setProblem(err instanceof Error ? err.message : String(err));
            }
          }}
        >
          <fieldset disabled={!writer} className="plain">
            {!name && <Field label="List name" hint="lower-case letters, digits, _ . -">{(id, h) => <input id={id} aria-describedby={h} name="name" required pattern="[a-z0-9][a-z0-9_.\-]{0,63}" />}</Field>}
            <Field label="Description">{(id) => <input id={id} name="description" defaultValue={d?.description ?? ''} />}</Field>
            <Field label="Values, one per line">{(id) => <textarea id={id} name="values" rows={8} defaultValue={d?.values.join('\n') ?? ''} />}</Field>
            <div className="row">
              <button type="submit" className="primary">Save list</button>
              {name && (
                <ConfirmButton label="Delete list" danger question={`Delete the list ${name}? Rules that use it must stop using it first.`} onConfirm={async () => { await must(api.DELETE('/v1/lists/{name}', { params: { path: { name } } })); onSaved(`Deleted the list ${name}.`); }} />
              )}
            </div>
          </fieldset>
          {problem && <p className="error" role="alert">{problem}</p>}
        </form>
      )}
    </Loaded>
  );
}

function Calendars({ writer }: { writer: boolean }) {
  const calendars = useLoad(() => page(api.GET('/v1/calendars', { params: { query: { limit: 200 } } })), []);
  const { notice, run } = useAction();
  return (
    <section aria-labelledby="calendars">
      <h2 id="calendars">Calendars and holidays</h2>
      <Loaded value={calendars} what="calendars" empty={(c) => c.items.length === 0}>
        {({ items }) => (
          <ul>
            {items.map((c) => (
              <li key={c.id}>
                <strong>{c.name}</strong> ({c.scope === 'ORGANIZATION' ? 'everyone' : c.scope === 'TEAM' ? `team ${c.team}` : `rep ${c.rep_id}`}, {c.timezone}): {c.closures.map((x) => `${x.date}${x.name ? ` ${x.name}` : ''}`).join(', ') || 'no closures'}
                {writer && <> <ConfirmButton label={`Delete ${c.name}`} danger question={`Delete the calendar ${c.name}?`} onConfirm={() => run(async () => { await must(api.DELETE('/v1/calendars/{id}', { params: { path: { id: c.id } } })); calendars.reload(); return `Deleted ${c.name}.`; })} /></>}
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      {writer && (
        <details>
          <summary>New calendar</summary>
          <form
            className="card"
            onSubmit={(ev) => {
              ev.preventDefault();
              const f = new FormData(ev.currentTarget);
              const team = String(f.get('team')).trim();
              const closures = String(f.get('closures')).split(/\r?\n/).map((l) => l.trim()).filter(Boolean).map((l) => {
                const [date, ...rest] = l.split(/\s+/);
                return { date: date!, ...(rest.length ? { name: rest.join(' ') } : {}) };
              });
              void run(async () => {
                await must(api.POST('/v1/calendars', { body: { name: String(f.get('name')).trim(), timezone: String(f.get('timezone')).trim(), scope: team ? 'TEAM' : 'ORGANIZATION', ...(team ? { team } : {}), closures } }));
                calendars.reload();
                return 'Calendar added.';
              });
            }}
          >
            <Field label="Name">{(id) => <input id={id} name="name" required />}</Field>
            <Field label="Time zone">{(id) => <input id={id} name="timezone" defaultValue="UTC" required />}</Field>
            <Field label="Team (empty: the whole organization)">{(id) => <input id={id} name="team" />}</Field>
            <Field label="Closed days, one per line" hint="2026-12-24 Christmas Eve">{(id, h) => <textarea id={id} aria-describedby={h} name="closures" rows={5} />}</Field>
            <button type="submit" className="primary">Add calendar</button>
          </form>
        </details>
      )}
      <Notice text={notice.text} error={notice.error} />
    </section>
  );
}
