import { useState } from 'react';
import { api, must, type Session } from '../api';
import { Link, Loaded, useLoad, when } from '../ui';

const seconds = (ms: number | null | undefined) => (ms == null ? '—' : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60_000).toFixed(1)} min`);

/** Today at a glance: the intelligence summary since midnight, open alerts, and CRM sync trouble. */
export function Overview({ session }: { session: Session }) {
  const since = new Date();
  since.setHours(0, 0, 0, 0);
  const from = since.toISOString();
  // A manager sees their own teams' figures, one team at a time.
  const teams = session.user.role === 'manager' ? session.user.teams : null;
  const [team, setTeam] = useState<string | undefined>(teams?.[0]);
  const teamless = teams !== null && teams.length === 0;
  const summary = useLoad(() => (teamless ? Promise.resolve(null) : must(api.GET('/v1/intelligence/summary', { params: { query: { from, ...(team ? { team } : {}) } } }))), [from, team, teamless]);
  const alerts = useLoad(() => must(api.GET('/v1/intelligence/alerts', { params: { query: { open: 'true', limit: 20 } } })), []);
  const crm = useLoad(() => must(api.GET('/v1/integrations')), []);
  return (
    <>
      <h1>Overview</h1>
      <p className="muted">Today since {since.toLocaleTimeString()} · signed in as {session.user.role}</p>
      {teams && teams.length > 1 && (
        <label>
          Team{' '}
          <select value={team} onChange={(e) => setTeam(e.target.value)}>
            {teams.map((t) => <option key={t}>{t}</option>)}
          </select>
        </label>
      )}
      {teamless && <p role="status">You manage no team yet: an owner sets your teams in Settings → People.</p>}
      <Loaded value={summary} what="today's numbers">
        {(s) => s && (
          <>
            <div className="tiles">
              <Tile label="Leads received" value={s.leads.received} />
              <Tile label="Assigned" value={s.leads.assigned} />
              <Tile label="Waiting for a rep" value={s.leads.unassigned} />
              <Tile label="SLA met" value={s.sla.rate == null ? '—' : `${Math.round(s.sla.rate * 100)}%`} />
              <Tile label="SLA breaches" value={s.sla.breached} />
              <Tile label="Lead → assigned, median" value={seconds(s.time_to_assignment_ms.p50)} />
              <Tile label="First touch, median" value={seconds(s.time_to_first_touch_ms.p50)} />
              <Tile label="Reassignments" value={s.reassignments} />
            </div>
            <h2>Reps today</h2>
            {s.reps.length === 0 ? (
              <p className="muted">No rep has had a lead today.</p>
            ) : (
              <div className="scroll">
                <table>
                  <thead>
                    <tr><th scope="col">Rep</th><th scope="col">Assigned</th><th scope="col">Contacted</th><th scope="col">Breaches</th><th scope="col">Open now</th></tr>
                  </thead>
                  <tbody>
                    {s.reps.map((r) => (
                      <tr key={r.rep_id}><td>{r.name}</td><td>{r.assigned}</td><td>{r.contacted}</td><td>{r.breached}</td><td>{r.open_leads}</td></tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <p><a href="/dashboard">Charts over time on the dashboard</a></p>
          </>
        )}
      </Loaded>
      <h2>Open alerts</h2>
      <Loaded value={alerts} what="open alerts" empty={(a) => a.length === 0}>
        {(list) => (
          <ul>
            {list.map((a) => (
              <li key={a.id}>
                <strong>{a.kind}</strong>: {a.message} <span className="muted">({when(a.raised_at)})</span>
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      <h2>CRM sync</h2>
      <Loaded value={crm} what="integrations">
        {(i) => {
          const connected = ([['HubSpot', i.hubspot], ['Salesforce', i.salesforce]] as const).filter(([, c]) => c);
          if (!connected.length) return <p className="muted">No CRM connected. <Link to="/integrations">Connect one</Link>.</p>;
          return (
            <ul>
              {connected.map(([name, c]) => (
                <li key={name}>
                  {name}: {c!.status.failures_24h} failed owner writes in 24 hours, {c!.status.pending_writes} waiting; last owner sync {when(c!.status.last_owner_sync_at)}.
                </li>
              ))}
            </ul>
          );
        }}
      </Loaded>
    </>
  );
}

function Tile({ label, value }: { label: string; value: string | number }) {
  return (
    <div className="tile">
      <div className="value">{value}</div>
      <div className="label">{label}</div>
    </div>
  );
}
