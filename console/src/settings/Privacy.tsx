import { useState } from 'react';
import { api, must, type Schemas } from '../api';
import { ConfirmButton, Field, Loaded, Notice, useAction, useLoad } from '../ui';

const KINDS = [
  ['leads_days', 'Settled leads and their timeline'],
  ['audit_days', 'Audit entries'],
  ['deliveries_days', 'Webhook deliveries'],
  ['notifications_days', 'Notifications'],
] as const;

/** How long the organization keeps data, and forgetting a person who asks (GDPR article 17, CCPA). */
export function Privacy({ writer, eraser }: { writer: boolean; eraser: boolean }) {
  const org = useLoad(() => must(api.GET('/v1/organization')), []);
  const { notice, run } = useAction();
  const [email, setEmail] = useState('');
  const [erased, setErased] = useState<Schemas['Erasure'] | null>(null);
  return (
    <section id="privacy" aria-labelledby="privacy-h">
      <h2 id="privacy-h">Data retention and erasure</h2>
      <Loaded value={org} what="the retention">
        {(o) => (
          <form
            className="card"
            onSubmit={(ev) => {
              ev.preventDefault();
              const f = new FormData(ev.currentTarget);
              const retention = Object.fromEntries(KINDS.map(([k]) => [k, String(f.get(k)).trim() ? Number(f.get(k)) : null])) as NonNullable<Schemas['OrganizationUpdate']['retention']>;
              void run(async () => {
                await must(api.PATCH('/v1/organization', { body: { retention } }));
                org.reload();
                return 'Retention saved.';
              });
            }}
          >
            <fieldset disabled={!writer} className="plain">
              <p className="muted">Days to keep each kind; empty uses the server's default. Purged hourly.</p>
              <div className="grid">
                {KINDS.map(([k, label]) => (
                  <Field key={k} label={label} hint={`now ${o.retention[k]} days${o.retention.own.includes(k) ? '' : ' (default)'}`}>
                    {(id, h) => <input id={id} aria-describedby={h} name={k} type="number" min={1} defaultValue={o.retention.own.includes(k) ? o.retention[k] : ''} />}
                  </Field>
                ))}
              </div>
              <button type="submit" className="primary">Save retention</button>
            </fieldset>
          </form>
        )}
      </Loaded>
      {eraser && (
        <div className="card">
          <h3>Forget a person</h3>
          <Field label="Email of the person to forget" hint="Every lead and contact with it is redacted; their routing facts stay">
            {(id, h) => <input id={id} aria-describedby={h} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />}
          </Field>
          <ConfirmButton
            label="Erase"
            danger
            disabled={!email.includes('@')}
            question={`Erase ${email} everywhere? This cannot be undone.`}
            onConfirm={() => run(async () => {
              const job = await must(api.POST('/v1/privacy/erasures', { body: { email } }));
              setErased(job);
              setEmail('');
              return `Erased: ${job.counts.leads} leads, ${job.counts.contacts} contacts, ${job.counts.notifications} notifications, ${job.counts.deliveries} deliveries, ${job.counts.workflows} workflow histories.`;
            })}
          />
          {erased && <p className="muted">Erasure {erased.id}, kept without the email.</p>}
        </div>
      )}
      <Notice text={notice.text} error={notice.error} />
    </section>
  );
}
