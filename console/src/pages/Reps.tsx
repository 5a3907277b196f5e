import { useState } from 'react';
import { api, ApiProblem, can, must, type Session, listReps, type Rep } from '../api';
import { Field, Loaded, Notice, useAction, useLoad } from '../ui';


const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const STATUSES: Array<Rep['status']> = ['AVAILABLE', 'AWAY', 'OFFLINE'];

/** Reps: who is available now, and each rep's capacity, caps, hours, teams and CRM id. */
export function Reps({ session }: { session: Session }) {
  const reps = useLoad(() => listReps(), []);
  const [editing, setEditing] = useState<string | null>(null);
  const { notice, run } = useAction();
  const writer = can(session, 'reps:write');
  return (
    <>
      <h1>Reps and teams</h1>
      <Notice text={notice.text} error={notice.error} />
      <Loaded value={reps} what="reps" empty={(r) => r.items.length === 0}>
        {({ items }) => (
          <div className="scroll">
            <table>
              <thead>
                <tr><th scope="col">Rep</th><th scope="col">Teams</th><th scope="col">Availability</th><th scope="col">Open leads</th><th scope="col">Caps</th><th scope="col">Time zone</th><th scope="col"><span className="sr-only">Actions</span></th></tr>
              </thead>
              <tbody>
                {items.map((r) => (
                  <tr key={r.id}>
                    <td>{r.name}<br /><small className="muted">{r.email}</small></td>
                    <td>{r.teams.join(', ') || '—'}</td>
                    <td>
                      <select
                        aria-label={`Availability of ${r.name}`}
                        value={r.status}
                        disabled={!writer}
                        onChange={(e) => run(async () => {
                          await must(api.PATCH('/v1/reps/{id}', { params: { path: { id: r.id } }, body: { status: e.target.value as Rep['status'] } }));
                          reps.reload();
                          return `${r.name} is now ${e.target.value}.`;
                        })}
                      >
                        {STATUSES.map((s) => <option key={s}>{s}</option>)}
                      </select>
                    </td>
                    <td>{r.open_leads}</td>
                    <td>{r.max_open_leads ?? '∞'} open · {r.daily_cap ?? '∞'} a day</td>
                    <td>{r.timezone}</td>
                    <td>{writer && <button type="button" onClick={() => setEditing(editing === r.id ? null : r.id)} aria-expanded={editing === r.id}>Edit {r.name}</button>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loaded>
      {writer && reps.state === 'ready' && editing && (
        <RepForm key={editing} rep={reps.data.items.find((r) => r.id === editing)} onSaved={(msg) => { setEditing(null); reps.reload(); run(async () => msg); }} />
      )}
      {writer && (
        <details>
          <summary>New rep</summary>
          <RepForm onSaved={(msg) => { reps.reload(); run(async () => msg); }} />
        </details>
      )}
    </>
  );
}

const hoursText = (h: Rep['working_hours'] | undefined, d: (typeof DAYS)[number]) => (h?.[d] ?? []).map(([s, e]) => `${s}-${e}`).join(', ');

function parseHours(f: FormData): Rep['working_hours'] {
  if (f.get('always') === 'on') return null;
  const out: Record<string, Array<[string, string]>> = {};
  for (const d of DAYS) {
    const text = String(f.get(`hours-${d}`) ?? '').trim();
    if (text) out[d] = text.split(',').map((part) => part.trim().split('-').map((x) => x.trim()) as [string, string]);
  }
  return out as Rep['working_hours'];
}

const numberOrNull = (v: FormDataEntryValue | null) => (v === null || String(v).trim() === '' ? null : Number(v));

/** One rep's settings; on a refused save the form keeps what was typed and shows the API's words at each field. */
function RepForm({ rep, onSaved }: { rep?: Rep; onSaved: (message: string) => void }) {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const err = (path: string) => errors[path] ?? Object.entries(errors).find(([p]) => p.startsWith(`${path}.`) || p.startsWith(`${path}[`))?.[1];
  return (
    <form
      className="card"
      aria-label={rep ? `Edit ${rep.name}` : 'New rep'}
      onSubmit={async (ev) => {
        ev.preventDefault();
        const form = ev.currentTarget;
        const f = new FormData(form);
        const body = {
          name: String(f.get('name')).trim(),
          email: String(f.get('email')).trim(),
          teams: String(f.get('teams')).split(',').map((t) => t.trim()).filter(Boolean),
          weight: Number(f.get('weight') || 1),
          max_open_leads: numberOrNull(f.get('max_open_leads')),
          daily_cap: numberOrNull(f.get('daily_cap')),
          timezone: String(f.get('timezone')).trim() || 'UTC',
          working_hours: parseHours(f),
          crm: { hubspot_owner_id: String(f.get('hubspot_owner_id')).trim() || null },
        };
        setProblem(null);
        try {
          if (rep) await must(api.PATCH('/v1/reps/{id}', { params: { path: { id: rep.id } }, body }));
          else await must(api.POST('/v1/reps', { body }));
          setErrors({});
          if (!rep) form.reset();
          onSaved(rep ? `Saved ${body.name}.` : `Added ${body.name}.`);
        } catch (e) {
          if (e instanceof ApiProblem) setErrors(Object.fromEntries(e.details.map((d) => [d.path, d.message])));
          setProblem(e instanceof Error ? e.message : String(e));
        }
      }}
    >
      <h2>{rep ? `Edit ${rep.name}` : 'New rep'}</h2>
      <div className="grid">
        <Field label="Name" error={err('name')}>{(id) => <input id={id} name="name" defaultValue={rep?.name} required maxLength={200} />}</Field>
        <Field label="Email" error={err('email')}>{(id) => <input id={id} name="email" type="email" defaultValue={rep?.email} required />}</Field>
        <Field label="Teams (comma-separated)" error={err('teams')}>{(id) => <input id={id} name="teams" defaultValue={rep?.teams.join(', ')} />}</Field>
        <Field label="Weight" error={err('weight')} hint="Share of WEIGHTED routing">{(id, d) => <input id={id} aria-describedby={d} name="weight" type="number" min={0} max={1000} defaultValue={rep?.weight ?? 1} />}</Field>
        <Field label="Capacity (open leads)" error={err('max_open_leads')} hint="Empty: no limit">{(id, d) => <input id={id} aria-describedby={d} name="max_open_leads" type="number" min={0} defaultValue={rep?.max_open_leads ?? ''} />}</Field>
        <Field label="Daily cap" error={err('daily_cap')} hint="Empty: no limit">{(id, d) => <input id={id} aria-describedby={d} name="daily_cap" type="number" min={0} defaultValue={rep?.daily_cap ?? ''} />}</Field>
        <Field label="Time zone" error={err('timezone')} hint="e.g. Europe/Berlin">{(id, d) => <input id={id} aria-describedby={d} name="timezone" defaultValue={rep?.timezone ?? 'UTC'} />}</Field>
        <Field label="HubSpot owner id" error={err('crm')}>{(id) => <input id={id} name="hubspot_owner_id" inputMode="numeric" defaultValue={rep?.crm.hubspot_owner_id ?? ''} />}</Field>
      </div>
      <fieldset>
        <legend>Working hours, in the rep's time zone</legend>
        <label className="inline"><input type="checkbox" name="always" defaultChecked={!rep?.working_hours} /> Always working (the hours below are ignored)</label>
        <div className="grid">
          {DAYS.map((d) => (
            <Field key={d} label={d} error={err(`working_hours.${d}`)} hint="09:00-12:00, 13:00-17:00">
              {(id, desc) => <input id={id} aria-describedby={desc} name={`hours-${d}`} defaultValue={hoursText(rep?.working_hours, d)} />}
            </Field>
          ))}
        </div>
        {err('working_hours') && <p className="error">{err('working_hours')}</p>}
      </fieldset>
      <button className="primary" type="submit">{rep ? 'Save rep' : 'Add rep'}</button>
      {problem && <p className="error" role="alert">{problem}</p>}
    </form>
  );
}
