import { useState } from 'react';
import { api, must, page, type Schemas, type Session } from '../api';
import { ConfirmButton, Field, Loaded, Notice, useAction, useLoad, when } from '../ui';

/** API keys: generate one (its secret shown this once), see when each was last used, revoke. */
export function ApiKeys({ writer, session }: { writer: boolean; session?: Session }) {
  const keys = useLoad(() => page(api.GET('/v1/api-keys', { params: { query: { limit: 200 } } })), []);
  const [created, setCreated] = useState<Schemas['ApiKeyCreated'] | null>(null);
  const [restricted, setRestricted] = useState(false);
  const { notice, run } = useAction();
  const grantable = (session?.scopes ?? []).filter((s) => !s.startsWith('keys:') && !s.startsWith('users:'));
  return (
    <section id="keys" aria-labelledby="keys-h">
      <h2 id="keys-h">API keys</h2>
      <Loaded value={keys} what="API keys" empty={(k) => k.items.length === 0}>
        {({ items }) => (
          <div className="scroll">
            <table>
              <thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Scopes</th><th scope="col">Last used</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {items.map((k) => (
                  <tr key={k.id}>
                    <td>{k.name}</td>
                    <td><code>{k.token_hint}</code></td>
                    <td>{k.kind === 'SECRET' ? 'everything' : k.scopes.join(', ')}</td>
                    <td>{k.revoked_at ? `revoked ${when(k.revoked_at)}` : when(k.last_used_at)}</td>
                    <td>{writer && !k.revoked_at && <ConfirmButton label={`Revoke ${k.name}`} danger question={`Revoke the key ${k.name} (${k.token_hint})? Every program using it is refused from now on.`} onConfirm={() => run(async () => { await must(api.DELETE('/v1/api-keys/{id}', { params: { path: { id: k.id } } })); keys.reload(); return `Revoked ${k.name}.`; })} />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loaded>
      {created?.secret && (
        <div className="card secret" role="status">
          <p><strong>Copy this key now: it is shown once.</strong></p>
          <label>New key <input readOnly value={created.secret} onFocus={(e) => e.currentTarget.select()} /></label>
          <button type="button" onClick={() => void navigator.clipboard?.writeText(created.secret ?? '')}>Copy</button>
          <button type="button" onClick={() => setCreated(null)}>I have stored it</button>
        </div>
      )}
      {writer && (
        <form
          className="card"
          onSubmit={(ev) => {
            ev.preventDefault();
            const f = new FormData(ev.currentTarget);
            const scopes = f.getAll('scope').map(String) as Array<Schemas['Scope']>;
            void run(async () => {
              const key = await must(api.POST('/v1/api-keys', { body: { name: String(f.get('name')).trim(), ...(restricted ? { scopes } : {}) } }));
              setCreated(key);
              keys.reload();
              return `Generated ${key.name}.`;
            });
          }}
        >
          <h3>Generate a key</h3>
          <Field label="Name" hint="What uses it, e.g. Website form">{(id, h) => <input id={id} aria-describedby={h} name="name" required maxLength={200} />}</Field>
          <label className="inline"><input type="checkbox" checked={restricted} onChange={(e) => setRestricted(e.target.checked)} /> restricted to chosen scopes</label>
          {restricted && (
            <fieldset>
              <legend>Scopes</legend>
              {grantable.map((s) => <label key={s} className="inline"><input type="checkbox" name="scope" value={s} /> {s}</label>)}
            </fieldset>
          )}
          <button type="submit" className="primary">Generate key</button>
        </form>
      )}
      <Notice text={notice.text} error={notice.error} />
    </section>
  );
}
