import { api, can, must, page, type Session } from '../api';
import { navigate } from '../router';
import { ConfirmButton, Link, Loaded, Notice, useAction, useLoad, when } from '../ui';

/** Every version of the rules: which is active, who published what and when; new drafts and roll-backs. */
export function Rules({ session }: { session: Session }) {
  const rulesets = useLoad(() => page(api.GET('/v1/rules', { params: { query: { limit: 100 } } })), []);
  const published = useLoad(async () => {
    if (!can(session, 'audit:read')) return new Map<string, string>();
    const [audit, users] = await Promise.all([
      page(api.GET('/v1/audit', { params: { query: { resource_type: 'ruleset', action: 'published', limit: 200 } } })),
      can(session, 'users:read') ? page(api.GET('/v1/users', { params: { query: { limit: 200 } } })) : Promise.resolve({ items: [] }),
    ]);
    const name = (id: string) => users.items.find((u) => u.id === id)?.name ?? id;
    const who = new Map<string, string>();
    for (const e of audit.items) {
      if (e.resource_id && !who.has(e.resource_id)) who.set(e.resource_id, e.actor_user_id ? name(e.actor_user_id) : e.actor_key_id ? `key ${e.actor_key_id}` : 'the system');
    }
    return who;
  }, []);
  const { notice, run } = useAction();
  const writer = can(session, 'rules:write');

  async function newDraft() {
    const active = rulesets.state === 'ready' ? rulesets.data.items.find((r) => r.status === 'ACTIVE') : undefined;
    const body = active
      ? { name: `${active.name} (draft)`, rules: active.rules, ...(active.fallback ? { fallback: active.fallback } : {}), ...(active.sla ? { sla: active.sla } : {}) }
      : { name: 'New rules', rules: [] };
    const made = await must(api.POST('/v1/rules', { body }));
    navigate(`/rules/${made.id}`);
  }

  return (
    <>
      <h1>Rules</h1>
      {writer && <button type="button" className="primary" onClick={() => run(async () => (await newDraft(), 'Draft created.'))}>New draft</button>}
      <Notice text={notice.text} error={notice.error} />
      <Loaded value={rulesets} what="rulesets" empty={(r) => r.items.length === 0}>
        {({ items }) => (
          <div className="scroll">
            <table>
              <thead>
                <tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Version</th><th scope="col">Rules</th><th scope="col">Published</th><th scope="col">By</th><th scope="col"><span className="sr-only">Actions</span></th></tr>
              </thead>
              <tbody>
                {items.map((r) => (
                  <tr key={r.id}>
                    <td><Link to={`/rules/${r.id}`}>{r.name}</Link></td>
                    <td>{r.status}</td>
                    <td>{r.version ?? '—'}</td>
                    <td>{r.rules.length}</td>
                    <td>{when(r.published_at)}</td>
                    <td>{published.state === 'ready' ? published.data.get(r.id) ?? '—' : '…'}</td>
                    <td>
                      {writer && r.status === 'ARCHIVED' && (
                        <ConfirmButton
                          label={`Roll back to version ${r.version}`}
                          question={`Make version ${r.version} (${r.name}) the active rules again? New leads route by it at once; the current version is archived.`}
                          onConfirm={() => run(async () => {
                            await must(api.POST('/v1/rules/{id}/publish', { params: { path: { id: r.id }, query: {} } }));
                            rulesets.reload();
                            published.reload();
                            return `Version ${r.version} is active again.`;
                          })}
                        />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loaded>
    </>
  );
}
