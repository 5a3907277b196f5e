// Routeswit console sign-in: a session cookie (HttpOnly, set by the API) instead of a pasted key.
// API data is only ever written as text (textContent), never as HTML.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  let csrf = null;

  function say(text, isError) {
    $('status').textContent = text;
    $('status').className = isError ? 'status error' : 'status';
  }

  async function call(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (csrf && method !== 'GET') headers['X-CSRF-Token'] = csrf;
    const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    const answer = await res.json().catch(() => null);
    if (!res.ok) {
      const e = answer && answer.error;
      const fields = e && Array.isArray(e.details) ? e.details.map((d) => `${d.path}: ${d.message}`).join('; ') : '';
      throw Object.assign(new Error(e ? `${e.message}${fields ? ` (${fields})` : ''}` : `${res.status} from ${path}`), { status: res.status });
    }
    return answer;
  }

  function show(which) {
    for (const id of ['sign-in', 'accept', 'signed-in']) $(id).hidden = id !== which;
    $('sso').hidden = which !== 'sign-in';
    const first = $(which).querySelector('input, button');
    if (first) first.focus();
  }

  const MARK = 'routeswit.signedIn';

  function signedIn(session) {
    csrf = session.csrf_token;
    localStorage.setItem(MARK, '1');
    $('who').textContent = `${session.user.name} (${session.user.email}), ${session.user.role}, until ${new Date(session.idle_expires_at).toLocaleTimeString()} unless you keep working`;
    show('signed-in');
    say('');
  }

  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get('token');

  $('sso').addEventListener('submit', (ev) => {
    ev.preventDefault();
    say('Going to your identity provider…');
    location.assign(`/v1/sso/start?email=${encodeURIComponent($('sso-email').value.trim())}`);
  });

  $('sign-in').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say('Signing in…');
    try {
      signedIn(await call('POST', '/v1/session', { email: $('email').value.trim(), password: $('password').value }));
    } catch (err) {
      $('password').value = '';
      say(err.message, true);
    }
  });

  $('accept').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say('Setting your password…');
    try {
      const session = await call('POST', '/v1/invitations/accept', { token, name: $('name').value.trim(), password: $('new-password').value });
      // The token is used up: keep it out of the address bar and history.
      history.replaceState(null, '', '/console');
      signedIn(session);
    } catch (err) {
      say(err.message, true);
    }
  });

  $('sign-out').addEventListener('click', async () => {
    try {
      await call('DELETE', '/v1/session');
      csrf = null;
      localStorage.removeItem(MARK);
      show('sign-in');
      say('Signed out.');
    } catch (err) {
      say(err.message, true);
    }
  });

  if (fragment.get('sso_error')) {
    show('sign-in');
    say(fragment.get('sso_error'), true);
    history.replaceState(null, '', '/console');
  } else if (token) show('accept');
  else if (localStorage.getItem(MARK) || fragment.has('signed_in')) call('GET', '/v1/session').then(signedIn, () => (localStorage.removeItem(MARK), show('sign-in')));
  else show('sign-in');
})();
