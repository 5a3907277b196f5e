import { useState } from 'react';
import { WEBHOOK_EVENTS } from '../../../src/lead/model';
import { api, ApiProblem, must, page, type Schemas } from '../api';
import { ConfirmButton, Field, Loaded, Notice, useAction, useLoad } from '../ui';

/** The organization's name, time zone and notification defaults; SMTP and Slack URLs are write-only. */
export function Organization({ writer }: { writer: boolean }) {
  const org = useLoad(() => must(api.GET('/v1/organization')), []);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const { notice, run } = useAction();
  return (
    <section id="organization" aria-labelledby="org-h">
      <h2 id="org-h">Organization</h2>
      <Loaded value={org} what="the organization">
        {(o) => (
          <form
            className="card"
            onSubmit={(ev) => {
              ev.preventDefault();
              const f = new FormData(ev.currentTarget);
              const smtp = String(f.get('smtp_url')).trim();
              const body: Schemas['OrganizationUpdate'] = {
                name: String(f.get('name')).trim(),
                timezone: String(f.get('timezone')).trim(),
                notifications: {
                  notify_on_assign: f.get('notify_on_assign') === 'on',
                  notify_on_give_up: f.get('notify_on_give_up') === 'on',
                  email: { from: String(f.get('from')).trim() || null, ...(smtp ? { smtp_url: smtp } : {}) },
                },
              };
              void run(async () => {
                try {
                  await must(api.PATCH('/v1/organization', { body }));
                } catch (err) {
                  if (err instanceof ApiProblem) setErrors(Object.fromEntries(err.details.map((d) => [d.path, d.message])));
                  throw err;
                }
                setErrors({});
                org.reload();
                return 'Organization saved.';
              });
            }}
          >
            <fieldset disabled={!writer} className="plain">
              <div className="grid">
                <Field label="Name" error={errors.name}>{(id) => <input id={id} name="name" defaultValue={o.name} required />}</Field>
                <Field label="Time zone" error={errors.timezone}>{(id) => <input id={id} name="timezone" defaultValue={o.timezone} required />}</Field>
                <Field label="Emails come from" error={errors['notifications.email.from']}>{(id) => <input id={id} name="from" defaultValue={o.notifications.email.from ?? ''} />}</Field>
                <Field label="Own SMTP server URL" error={errors['notifications.email.smtp_url']} hint={o.notifications.email.smtp_url_set ? 'Set (write-only): type a new one to replace it' : 'Not set: the server-wide one is used'}>
                  {(id, h) => <input id={id} aria-describedby={h} name="smtp_url" type="password" autoComplete="off" />}
                </Field>
              </div>
              <label className="inline"><input type="checkbox" name="notify_on_assign" defaultChecked={o.notifications.notify_on_assign} /> tell a rep when they get a lead</label>
              <label className="inline"><input type="checkbox" name="notify_on_give_up" defaultChecked={o.notifications.notify_on_give_up} /> tell the escalation contacts when routing gives up</label>
              <button type="submit" className="primary">Save organization</button>
            </fieldset>
          </form>
        )}
      </Loaded>
      <Notice text={notice.text} error={notice.error} />
    </section>
  );
}


/** Where Routeswit posts events; the signing secret is shown once. */
export function Webhooks({ writer }: { writer: boolean }) {
  const hooks = useLoad(() => page(api.GET('/v1/webhooks', { params: { query: { limit: 100 } } })), []);
  const [secret, setSecret] = useState<string | null>(null);
  const { notice, run } = useAction();
  return (
    <section id="webhooks" aria-labelledby="wh-h">
      <h2 id="wh-h">Webhooks</h2>
      <Loaded value={hooks} what="webhooks" empty={(h) => h.items.length === 0}>
        {({ items }) => (
          <ul>
            {items.map((h) => (
              <li key={h.id}>
                <code>{h.url}</code> — {h.events.join(', ')} {h.active ? '' : '(paused)'}
                {writer && <> <ConfirmButton label={`Delete webhook ${h.url}`} danger question={`Stop sending events to ${h.url}?`} onConfirm={() => run(async () => { await must(api.DELETE('/v1/webhooks/{id}', { params: { path: { id: h.id } } })); hooks.reload(); return 'Webhook deleted.'; })} /></>}
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      {secret && <p className="card secret" role="status">Signing secret, shown once: <code>{secret}</code></p>}
      {writer && (
        <form
          className="card"
          onSubmit={(ev) => {
            ev.preventDefault();
            const f = new FormData(ev.currentTarget);
            void run(async () => {
              const made = await must(api.POST('/v1/webhooks', { body: { url: String(f.get('url')).trim(), events: f.getAll('event').map(String) as Schemas['WebhookCreate']['events'] } }));
              setSecret(made.secret);
              hooks.reload();
              return 'Webhook added.';
            });
          }}
        >
          <h3>Add a webhook</h3>
          <Field label="URL">{(id) => <input id={id} name="url" type="url" required />}</Field>
          <fieldset>
            <legend>Events</legend>
            {WEBHOOK_EVENTS.map((e) => <label key={e} className="inline"><input type="checkbox" name="event" value={e} defaultChecked /> {e}</label>)}
          </fieldset>
          <button type="submit" className="primary">Add webhook</button>
        </form>
      )}
      <Notice text={notice.text} error={notice.error} />
    </section>
  );
}
