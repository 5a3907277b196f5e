import { useState } from 'react';
import { api, page, type Session } from '../api';
import { Loaded, useLoad, when } from '../ui';

/** Who changed what and when: each entry names the person or the key. */
export function AuditLog({ session }: { session: Session }) {
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const audit = useLoad(async () => {
    const [entries, users] = await Promise.all([
      page(api.GET('/v1/audit', { params: { query: { limit: 50, cursor } } })),
      session.scopes.includes('users:read') ? page(api.GET('/v1/users', { params: { query: { limit: 200 } } })) : Promise.resolve({ items: [], next: null }),
    ]);
    return { ...entries, names: new Map(users.items.map((u) => [u.id, `${u.name || u.email}`])) };
  }, [cursor]);
  return (
    <section id="audit" aria-labelledby="audit-h">
      <h2 id="audit-h">Audit log</h2>
      <Loaded value={audit} what="audit entries" empty={(a) => a.items.length === 0}>
        {({ items, next, names }) => (
          <>
            <div className="scroll">
              <table>
                <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th></tr></thead>
                <tbody>
                  {items.map((e) => (
                    <tr key={e.id}>
                      <td>{when(e.at)}</td>
                      <td>{e.actor_user_id ? names.get(e.actor_user_id) ?? e.actor_user_id : e.actor_key_id ? `key ${e.actor_key_id}` : 'system or CLI'}</td>
                      <td>{e.action} {e.resource_type} {e.resource_id ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {next && <button type="button" onClick={() => setCursor(next)}>Older entries</button>}
          </>
        )}
      </Loaded>
    </section>
  );
}
