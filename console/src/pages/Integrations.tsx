import { useState } from 'react';
import { api, ApiProblem, can, must, type Schemas, type Session } from '../api';
import { ConfirmButton, Field, Loaded, Notice, useAction, useLoad, when } from '../ui';

/** The CRMs: connect, see the sync's state and failures, sync owners now, disconnect. */
export function Integrations({ session }: { session: Session }) {
  const all = useLoad(() => must(api.GET('/v1/integrations')), []);
  const { notice, run } = useAction();
  const writer = can(session, 'integrations:write');
  return (
    <>
      <h1>Integrations</h1>
      <section aria-labelledby="hs">
        <h2 id="hs">HubSpot</h2>
        <Loaded value={all} what="integrations">
          {({ hubspot }) =>
            hubspot ? (
              <>
                <dl className="facts">
                  <dt>Account</dt><dd>{hubspot.portal_id} ({hubspot.auth === 'OAUTH' ? 'OAuth app' : 'private app token'})</dd>
                  <dt>Webhook URL</dt><dd><code>{hubspot.webhook_url}</code></dd>
                  <dt>Last event</dt><dd>{when(hubspot.status.last_event_at)}</dd>
                  <dt>Last owner written</dt><dd>{when(hubspot.status.last_write_at)}</dd>
                  <dt>Owners written, 24 h</dt><dd>{hubspot.status.writes_24h}</dd>
                  <dt>Failed, 24 h</dt><dd className={hubspot.status.failures_24h ? 'error' : undefined}>{hubspot.status.failures_24h}</dd>
                  <dt>Waiting</dt><dd>{hubspot.status.pending_writes}</dd>
                  <dt>Last owner sync</dt><dd>{when(hubspot.status.last_owner_sync_at)}</dd>
                </dl>
                {writer && (
                  <CrmActions
                    name="HubSpot"
                    syncLabel="Sync owners now"
                    sync={async () => {
                      const r = await must(api.POST('/v1/integrations/hubspot/owners/sync'));
                      return `${r.mapped} reps mapped; reps without an owner: ${r.unmapped_reps.map((x) => x.email).join(', ') || 'none'}.`;
                    }}
                    disconnect={() => must(api.DELETE('/v1/integrations/hubspot'))}
                    consequence="Leads stop coming in from it and owners are no longer written back."
                    run={run}
                    done={all.reload}
                  />
                )}
              </>
            ) : writer ? (
              <ConnectHubSpot onDone={(m) => { all.reload(); void run(async () => m); }} />
            ) : (
              <p className="muted">Not connected.</p>
            )
          }
        </Loaded>
      </section>
      <section aria-labelledby="sf">
        <h2 id="sf">Salesforce</h2>
        <Loaded value={all} what="integrations">
          {({ salesforce }) =>
            salesforce ? (
              <>
                <dl className="facts">
                  <dt>Org</dt><dd>{salesforce.organization_id} ({salesforce.instance_url ?? 'not called yet'})</dd>
                  <dt>Leads come in by</dt><dd>{salesforce.intake.replace('_', ' ')}{salesforce.intake !== 'outbound_messages' ? `, polled every ${salesforce.poll_seconds} s (last ${when(salesforce.last_poll_at)})` : ''}</dd>
                  <dt>Outbound message URL</dt><dd><code>{salesforce.outbound_message_url}</code></dd>
                  <dt>Last Lead received</dt><dd>{when(salesforce.status.last_event_at)}</dd>
                  <dt>Owners written, 24 h</dt><dd>{salesforce.status.writes_24h}</dd>
                  <dt>Failed, 24 h</dt><dd className={salesforce.status.failures_24h ? 'error' : undefined}>{salesforce.status.failures_24h}</dd>
                  <dt>Waiting</dt><dd>{salesforce.status.pending_writes}</dd>
                  <dt>Last user sync</dt><dd>{when(salesforce.status.last_owner_sync_at)}</dd>
                </dl>
                {writer && (
                  <CrmActions
                    name="Salesforce"
                    syncLabel="Sync users now"
                    sync={async () => {
                      const r = await must(api.POST('/v1/integrations/salesforce/users/sync'));
                      return `${r.mapped} reps mapped; reps without a user: ${r.unmapped_reps.map((x) => x.email).join(', ') || 'none'}; deactivated users taken off: ${r.inactive_owners.length}.`;
                    }}
                    disconnect={() => must(api.DELETE('/v1/integrations/salesforce'))}
                    consequence="Its outbound messages are refused and owners are no longer written."
                    run={run}
                    done={all.reload}
                  />
                )}
              </>
            ) : writer ? (
              <ConnectSalesforce onDone={(m) => { all.reload(); void run(async () => m); }} />
            ) : (
              <p className="muted">Not connected.</p>
            )
          }
        </Loaded>
      </section>
      <Notice text={notice.text} error={notice.error} />
    </>
  );
}

function ConnectSalesforce({ onDone }: { onDone: (message: string) => void }) {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [made, setMade] = useState<string | null>(null);
  if (made) {
    return (
      <div className="card secret" role="status">
        <p><strong>Connected. Copy the outbound message URL now: its token is shown once.</strong></p>
        <label>Outbound message URL <input readOnly value={made} onFocus={(e) => e.currentTarget.select()} /></label>
        <button type="button" onClick={() => onDone('Salesforce connected.')}>I have stored it</button>
      </div>
    );
  }
  return (
    <form
      className="card"
      onSubmit={async (ev) => {
        ev.preventDefault();
        const f = new FormData(ev.currentTarget);
        const body: Schemas['SalesforceConnectionPut'] = {
          organization_id: String(f.get('organization_id')).trim(),
          client_id: String(f.get('client_id')).trim(),
          client_secret: String(f.get('client_secret')),
          refresh_token: String(f.get('refresh_token')),
          intake: f.get('intake') as Schemas['SalesforceConnectionPut']['intake'],
          routing_reason_field: String(f.get('routing_reason_field')).trim() || null,
        };
        try {
          const c = await must(api.PUT('/v1/integrations/salesforce', { body }));
          setMade(c.outbound_message_url);
        } catch (err) {
          if (err instanceof ApiProblem) setErrors(Object.fromEntries(err.details.map((d) => [d.path, d.message])));
          setProblem(err instanceof Error ? err.message : String(err));
        }
      }}
    >
      <p>Create a connected app (scopes api and refresh_token), get a refresh token as the integration user, then paste the details.</p>
      <Field label="Org id (18 characters, 00D…)" error={errors.organization_id}>{(id) => <input id={id} name="organization_id" required />}</Field>
      <Field label="Consumer key" error={errors.client_id}>{(id) => <input id={id} name="client_id" required />}</Field>
      <Field label="Consumer secret" error={errors.client_secret}>{(id) => <input id={id} name="client_secret" type="password" autoComplete="off" required />}</Field>
      <Field label="Refresh token" error={errors.refresh_token}>{(id) => <input id={id} name="refresh_token" type="password" autoComplete="off" required />}</Field>
      <Field label="Leads come in by" error={errors.intake}>
        {(id) => (
          <select id={id} name="intake" defaultValue="outbound_messages">
            <option value="outbound_messages">outbound messages</option>
            <option value="polling">polling</option>
            <option value="both">both</option>
          </select>
        )}
      </Field>
      <Field label="Reason field on Lead (optional)" error={errors.routing_reason_field} hint="e.g. Routeswit_Reason__c">{(id, h) => <input id={id} aria-describedby={h} name="routing_reason_field" />}</Field>
      <button type="submit" className="primary">Connect Salesforce</button>
      {problem && <p className="error" role="alert">{problem}</p>}
    </form>
  );
}

/** A connected CRM's two actions: map its owners to reps now, and disconnect (confirmed). */
function CrmActions(p: { name: string; syncLabel: string; sync: () => Promise<string>; disconnect: () => Promise<unknown>; consequence: string; run: (what: () => Promise<string>) => Promise<boolean>; done: () => void }) {
  return (
    <div className="row">
      <button type="button" onClick={() => p.run(async () => { const said = await p.sync(); p.done(); return said; })}>{p.syncLabel}</button>
      <ConfirmButton label={`Disconnect ${p.name}`} danger question={`Disconnect ${p.name}? ${p.consequence}`} onConfirm={() => p.run(async () => { await p.disconnect(); p.done(); return `${p.name} disconnected.`; })} />
    </div>
  );
}

function ConnectHubSpot({ onDone }: { onDone: (message: string) => void }) {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <form
      className="card"
      onSubmit={async (ev) => {
        ev.preventDefault();
        const f = new FormData(ev.currentTarget);
        const body: Schemas['HubSpotConnectionPut'] = {
          portal_id: String(f.get('portal_id')).trim(),
          client_secret: String(f.get('client_secret')),
          access_token: String(f.get('access_token')),
          write_owner: f.get('write_owner') === 'on',
          overwrite_owner: f.get('overwrite_owner') === 'on',
        };
        try {
          await must(api.PUT('/v1/integrations/hubspot', { body }));
          onDone('HubSpot connected.');
        } catch (err) {
          if (err instanceof ApiProblem) setErrors(Object.fromEntries(err.details.map((d) => [d.path, d.message])));
          setProblem(err instanceof Error ? err.message : String(err));
        }
      }}
    >
      <p>Create a private app in HubSpot with the contacts and owners scopes, then paste its details.</p>
      <Field label="Account id (portal id)" error={errors.portal_id}>{(id) => <input id={id} name="portal_id" inputMode="numeric" required />}</Field>
      <Field label="App client secret" error={errors.client_secret}>{(id) => <input id={id} name="client_secret" type="password" autoComplete="off" required />}</Field>
      <Field label="Private app access token" error={errors.access_token}>{(id) => <input id={id} name="access_token" type="password" autoComplete="off" required />}</Field>
      <label className="inline"><input type="checkbox" name="write_owner" defaultChecked /> write the owner back to HubSpot</label>
      <label className="inline"><input type="checkbox" name="overwrite_owner" /> replace an owner a contact already has</label>
      <button type="submit" className="primary">Connect HubSpot</button>
      {problem && <p className="error" role="alert">{problem}</p>}
    </form>
  );
}
