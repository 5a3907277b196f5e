import { api, must, page, type Schemas, type Session } from '../api';
import { ConfirmButton, Field, Loaded, Notice, useAction, useLoad, when } from '../ui';

const ROLES: Array<Schemas['Role']> = ['owner', 'admin', 'manager', 'viewer'];

/** A manager's teams, comma-separated: the intelligence they see is limited to these. */
function ManagerTeams({ user, editable, save }: { user: Schemas['User']; editable: boolean; save: (teams: string[]) => void }) {
  if (!editable) return <>{user.teams.join(', ') || 'none'}</>;
  return (
    <form
      className="inline"
      onSubmit={(e) => {
        e.preventDefault();
        const text = String(new FormData(e.currentTarget).get('teams') ?? '');
        save(text.split(',').map((t) => t.trim()).filter(Boolean));
      }}
    >
      <input name="teams" aria-label={`Teams of ${user.name || user.email}`} defaultValue={user.teams.join(', ')} placeholder="emea-ae, sdr" size={16} />
      <button type="submit">Save teams</button>
    </form>
  );
}

/** The organization's people: invite by email, change a role, deactivate (each takes effect at once). */
export function People({ session }: { session: Session }) {
  const users = useLoad(() => page(api.GET('/v1/users', { params: { query: { limit: 200 } } })), []);
  const { notice, run } = useAction();
  const writer = session.scopes.includes('users:write');
  return (
    <section id="people" aria-labelledby="people-h">
      <h2 id="people-h">Users and roles</h2>
      <Loaded value={users} what="users" empty={(u) => u.items.length === 0}>
        {({ items }) => (
          <div className="scroll">
            <table>
              <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Teams (managers)</th><th scope="col">Last sign-in</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {items.map((u) => (
                  <tr key={u.id}>
                    <td>{u.name}{u.active ? '' : ' (deactivated)'}</td>
                    <td>{u.email}</td>
                    <td>
                      <select
                        aria-label={`Role of ${u.name || u.email}`}
                        value={u.role}
                        disabled={!writer || u.id === session.user.id || !u.active}
                        onChange={(e) => run(async () => { await must(api.PATCH('/v1/users/{id}', { params: { path: { id: u.id } }, body: { role: e.target.value as Schemas['Role'] } })); users.reload(); return `${u.email} is now ${e.target.value}.`; })}
                      >
                        {ROLES.map((r) => <option key={r}>{r}</option>)}
                      </select>
                    </td>
                    <td>{u.role === 'manager' ? <ManagerTeams user={u} editable={writer && u.active} save={(teams) => run(async () => { await must(api.PATCH('/v1/users/{id}', { params: { path: { id: u.id } }, body: { teams } })); users.reload(); return `${u.email} manages ${teams.join(', ') || 'no team'}.`; })} /> : <span className="muted">—</span>}</td>
                    <td>{u.sign_in === 'NONE' && !u.last_sign_in_at ? 'invited' : when(u.last_sign_in_at)}</td>
                    <td>{writer && u.active && u.id !== session.user.id && <ConfirmButton label={`Deactivate ${u.name || u.email}`} danger question={`Deactivate ${u.email}? They are signed out everywhere at once.`} onConfirm={() => run(async () => { await must(api.PATCH('/v1/users/{id}', { params: { path: { id: u.id } }, body: { active: false } })); users.reload(); return `${u.email} is deactivated.`; })} />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loaded>
      {writer && (
        <form
          className="card"
          onSubmit={(ev) => {
            ev.preventDefault();
            const form = ev.currentTarget;
            const f = new FormData(form);
            void run(async () => {
              const inv = await must(api.POST('/v1/users/invitations', { body: { email: String(f.get('email')).trim(), role: f.get('role') as Schemas['Role'] } }));
              form.reset();
              users.reload();
              return inv.emailed ? `Invitation emailed to ${inv.email}.` : `Email is not set up: send ${inv.email} this link yourself: ${inv.accept_url ?? ''}`;
            });
          }}
        >
          <h3>Invite someone</h3>
          <div className="row">
            <Field label="Their email">{(id) => <input id={id} name="email" type="email" required />}</Field>
            <Field label="Role">{(id) => <select id={id} name="role" defaultValue="manager">{ROLES.map((r) => <option key={r}>{r}</option>)}</select>}</Field>
            <button type="submit" className="primary">Send invitation</button>
          </div>
        </form>
      )}
      <Notice text={notice.text} error={notice.error} />
    </section>
  );
}
