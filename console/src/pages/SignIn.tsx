import { useState } from 'react';
import { api, errorText, must, type Session } from '../api';
import { Notice } from '../ui';

/** Password sign-in, single sign-on, and setting a password from an invitation link. */
export function SignIn({ token, message, onSignedIn }: { token: string | null; message?: string; onSignedIn: (s: Session) => void }) {
  const [status, setStatus] = useState<{ text: string | null; error: boolean }>({ text: message ?? null, error: !!message && message !== 'Signed out.' });
  const busy = (text: string) => setStatus({ text, error: false });
  const failed = (err: unknown) => setStatus({ text: errorText(err), error: true });

  if (token) {
    return (
      <main className="narrow">
        <form
          onSubmit={async (ev) => {
            ev.preventDefault();
            const f = new FormData(ev.currentTarget);
            busy('Setting your password…');
            try {
              onSignedIn(await must(api.POST('/v1/invitations/accept', { body: { token, name: String(f.get('name')).trim(), password: String(f.get('password')) } })));
            } catch (err) {
              failed(err);
            }
          }}
        >
          <h1>Accept your invitation</h1>
          <label>
            Your name <input name="name" type="text" autoComplete="name" required maxLength={200} autoFocus />
          </label>
          <label>
            Choose a password (12 characters or more) <input name="password" type="password" autoComplete="new-password" required minLength={12} />
          </label>
          <button className="primary" type="submit">Set password and sign in</button>
        </form>
        <Notice text={status.text} error={status.error} />
      </main>
    );
  }

  return (
    <main className="narrow">
      <form
        onSubmit={async (ev) => {
          ev.preventDefault();
          const form = ev.currentTarget;
          const f = new FormData(form);
          busy('Signing in…');
          try {
            onSignedIn(await must(api.POST('/v1/session', { body: { email: String(f.get('email')).trim(), password: String(f.get('password')) } })));
          } catch (err) {
            (form.elements.namedItem('password') as HTMLInputElement).value = '';
            failed(err);
          }
        }}
      >
        <h1>Sign in</h1>
        <label>
          Email <input name="email" type="email" autoComplete="username" required autoFocus />
        </label>
        <label>
          Password <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <button className="primary" type="submit">Sign in</button>
      </form>
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          busy('Going to your identity provider…');
          const email = String(new FormData(ev.currentTarget).get('email')).trim();
          location.assign(`/v1/sso/start?email=${encodeURIComponent(email)}`);
        }}
      >
        <h2>Single sign-on</h2>
        <label>
          Work email <input name="email" type="email" autoComplete="username" required />
        </label>
        <button type="submit">Continue with single sign-on</button>
      </form>
      <Notice text={status.text} error={status.error} />
    </main>
  );
}
