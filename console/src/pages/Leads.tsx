import { api, page, type Schemas, type Session, listReps } from '../api';
import { navigate } from '../router';
import { Link, Loaded, useLoad, when } from '../ui';

const STATUSES: Array<Schemas['LeadStatus']> = ['ROUTING', 'ASSIGNED', 'CONTACTED', 'UNASSIGNED', 'CLOSED'];

/** Leads, newest first, filtered by status, rep and account; the filters live in the address, so a view can be shared. */
export function Leads({ query }: { session: Session; query: URLSearchParams }) {
  const status = (query.get('status') ?? '') as Schemas['LeadStatus'] | '';
  const repId = query.get('rep_id') ?? '';
  const account = query.get('account') ?? '';
  const cursor = query.get('cursor') ?? undefined;
  const reps = useLoad(() => listReps(), []);
  const leads = useLoad(
    () => page(api.GET('/v1/leads', { params: { query: { limit: 50, status: status || undefined, rep_id: repId || undefined, account: account || undefined, cursor } } })),
    [status, repId, account, cursor],
  );
  const repName = (id: string | null) => (id && reps.state === 'ready' ? reps.data.items.find((r) => r.id === id)?.name ?? id : id ?? '—');
  return (
    <>
      <h1>Leads</h1>
      <form
        className="filters"
        role="search"
        onSubmit={(ev) => {
          ev.preventDefault();
          const f = new FormData(ev.currentTarget);
          const q = new URLSearchParams();
          for (const k of ['status', 'rep_id', 'account']) if (f.get(k)) q.set(k, String(f.get(k)).trim());
          navigate(`/leads${q.size ? `?${q}` : ''}`);
        }}
      >
        <label>
          Status
          <select name="status" defaultValue={status}>
            <option value="">Any</option>
            {STATUSES.map((s) => <option key={s}>{s}</option>)}
          </select>
        </label>
        <label>
          Rep
          <select name="rep_id" defaultValue={repId}>
            <option value="">Anyone</option>
            {reps.state === 'ready' && reps.data.items.map((r) => <option key={r.id} value={r.id}>{r.name}</option>)}
          </select>
        </label>
        <label>
          Account domain <input name="account" defaultValue={account} placeholder="acme.com" />
        </label>
        <button type="submit">Search</button>
      </form>
      <Loaded value={leads} what="leads" empty={(l) => l.items.length === 0}>
        {({ items, next }) => (
          <>
            <div className="scroll">
              <table>
                <thead>
                  <tr><th scope="col">Lead</th><th scope="col">Company</th><th scope="col">Status</th><th scope="col">Rep</th><th scope="col">Rule</th><th scope="col">Received</th></tr>
                </thead>
                <tbody>
                  {items.map((l) => (
                    <tr key={l.id}>
                      <td><Link to={`/leads/${l.id}`}>{l.email}</Link></td>
                      <td>{l.company ?? '—'}</td>
                      <td>{l.status}</td>
                      <td>{repName(l.assigned_rep_id)}</td>
                      <td>{l.routing?.rule_id ?? '—'}</td>
                      <td>{when(l.received_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {next && (
              <button type="button" onClick={() => { const q = new URLSearchParams(query); q.set('cursor', next); navigate(`/leads?${q}`); }}>
                Older leads
              </button>
            )}
          </>
        )}
      </Loaded>
    </>
  );
}
