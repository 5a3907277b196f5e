import { useState } from 'react';
import { api, can, must, page, type Schemas, type Session, listReps } from '../api';
import { ConfirmButton, Link, Loaded, Notice, useAction, useLoad, when } from '../ui';

/** One lead: who got it and why, what happened to it, who was told; reassign or close it. */
export function LeadPage({ id, session }: { id: string; session: Session }) {
  const lead = useLoad(() => must(api.GET('/v1/leads/{id}', { params: { path: { id } } })), [id]);
  const notifications = useLoad(() => page(api.GET('/v1/notifications', { params: { query: { lead_id: id, limit: 50 } } })), [id]);
  const reps = useLoad(() => listReps(), []);
  const { notice, run } = useAction();
  const [target, setTarget] = useState('');
  const [reason, setReason] = useState('');
  const repName = (rid: string | null | undefined) => (rid && reps.state === 'ready' ? reps.data.items.find((r) => r.id === rid)?.name ?? rid : rid ?? '—');

  return (
    <Loaded value={lead} what="the lead">
      {(l) => (
        <>
          <p><Link to="/leads">← Leads</Link></p>
          <h1>{[l.first_name, l.last_name].filter(Boolean).join(' ') || l.email}</h1>
          <dl className="facts">
            <dt>Status</dt><dd>{l.status}</dd>
            <dt>Rep</dt><dd id="lead-rep">{repName(l.assigned_rep_id)}</dd>
            <dt>Email</dt><dd>{l.email}</dd>
            <dt>Company</dt><dd>{l.company ?? '—'}</dd>
            <dt>SLA due</dt><dd>{when(l.sla_due_at)}</dd>
            <dt>Trace</dt><dd><a href={l.workflow_url} target="_blank" rel="noreferrer">Open in the Temporal Web UI</a></dd>
          </dl>
          <h2>Why this rep</h2>
          <Explanation routing={l.routing} repName={repName} />
          {can(session, 'leads:write') && l.status !== 'CLOSED' && (
            <section aria-labelledby="act">
              <h2 id="act">Reassign or close</h2>
              <div className="row">
                <label>
                  Reassign to
                  <select value={target} onChange={(e) => setTarget(e.target.value)}>
                    <option value="">The next eligible rep</option>
                    {reps.state === 'ready' && reps.data.items.filter((r) => r.id !== l.assigned_rep_id).map((r) => <option key={r.id} value={r.id}>{r.name}</option>)}
                  </select>
                </label>
                <ConfirmButton
                  label="Reassign"
                  question={`Take this lead from ${repName(l.assigned_rep_id)} and give it to ${target ? repName(target) : 'the next eligible rep'}?`}
                  onConfirm={() => run(async () => {
                    await must(api.POST('/v1/leads/{id}/reassign', { params: { path: { id } }, body: target ? { rep_id: target } : {} }));
                    lead.reload();
                    return 'Reassigned.';
                  })}
                />
              </div>
              <div className="row">
                <label>
                  Reason for closing <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
                </label>
                <ConfirmButton
                  label="Close lead"
                  danger
                  disabled={!reason.trim()}
                  question="Close this lead? Its SLA stops and nobody is reminded about it again."
                  onConfirm={() => run(async () => {
                    await must(api.POST('/v1/leads/{id}/close', { params: { path: { id } }, body: { reason: reason.trim() } }));
                    lead.reload();
                    return 'Closed.';
                  })}
                />
              </div>
              <Notice text={notice.text} error={notice.error} />
            </section>
          )}
          <h2>Timeline</h2>
          <ol className="timeline">
            {l.timeline.map((e) => (
              <li key={e.id}>
                <strong>{e.type}</strong> {e.rep_id ? `— ${repName(e.rep_id)}` : ''} <span className="muted">{when(e.occurred_at)}</span>
              </li>
            ))}
          </ol>
          <h2>Notifications</h2>
          <Loaded value={notifications} what="notifications" empty={(n) => n.items.length === 0}>
            {({ items }) => (
              <ul>
                {items.map((n) => (
                  <li key={n.id}>{n.kind} by {n.channel} to {n.recipient || 'nobody'}: {n.status}{n.last_error ? ` (${n.last_error})` : ''}</li>
                ))}
              </ul>
            )}
          </Loaded>
        </>
      )}
    </Loaded>
  );
}

export function Explanation({ routing, repName }: { routing: Schemas['Routing'] | null; repName: (id: string | null) => string }) {
  if (!routing) return <p className="muted">Not routed yet.</p>;
  const e = routing.explanation;
  return (
    <div className="explanation">
      <p>
        {e.source === 'RULE' ? `Rule ${routing.rule_id} matched` : e.source === 'FALLBACK' ? 'No rule matched: the fallback applied' : 'Nothing applied'}
        {routing.ruleset_version != null ? ` (ruleset version ${routing.ruleset_version})` : ''}; strategy {routing.strategy ?? '—'}.
      </p>
      <ul>
        {e.rules.map((r) => (
          <li key={r.rule_id}>
            {r.rule_id}: {r.matched ? 'matched' : r.failed ? `did not match at ${r.failed.path} (${r.failed.field ?? ''} ${r.failed.op} ${JSON.stringify(r.failed.value)}; the lead has ${JSON.stringify(r.failed.actual ?? null)})` : 'did not match'}
          </li>
        ))}
      </ul>
      {e.stages.map((s, i) => (
        <div key={i}>
          <p>{i === 0 ? 'Candidates' : 'Fallback candidates'} ({s.strategy}): chose {repName(s.rep_id)}</p>
          <ul>
            {s.candidates.map((c) => (
              <li key={c.rep_id}>{repName(c.rep_id)}: {c.eligible ? 'eligible' : `skipped, ${c.reason}`}</li>
            ))}
          </ul>
        </div>
      ))}
    </div>
  );
}
