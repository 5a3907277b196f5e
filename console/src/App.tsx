import { useEffect, useState } from 'react';
import { api, must, setCsrf, type Session } from './api';
import { navigate, useLocation } from './router';
import { Link } from './ui';
import { SignIn } from './pages/SignIn';
import { Overview } from './pages/Overview';
import { Leads } from './pages/Leads';
import { LeadPage } from './pages/LeadPage';
import { Reps } from './pages/Reps';
import { Rules } from './pages/Rules';
import { RuleEditor } from './pages/RuleEditor';
import { ListsAndCalendars } from './pages/Lists';
import { Integrations } from './pages/Integrations';
import { Settings } from './pages/Settings';

/** Set while signed in, so a fresh page asks for the session only when there may be one (no 401 in the console). */
const MARK = 'routeswit.signedIn';

const PAGES = [
  ['/', 'Overview'],
  ['/leads', 'Leads'],
  ['/reps', 'Reps and teams'],
  ['/rules', 'Rules'],
  ['/lists', 'Lists and calendars'],
  ['/integrations', 'Integrations'],
  ['/settings', 'Settings'],
] as const;

type Start = { kind: 'checking' } | { kind: 'signed-out'; message?: string } | { kind: 'accept'; token: string } | { kind: 'in'; session: Session };

function firstState(): Start {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get('token');
  if (fragment.get('sso_error')) return { kind: 'signed-out', message: fragment.get('sso_error')! };
  if (token && location.pathname.startsWith('/console/accept')) return { kind: 'accept', token };
  if (localStorage.getItem(MARK) || fragment.has('signed_in')) return { kind: 'checking' };
  return { kind: 'signed-out' };
}

export function App() {
  const [start, setStart] = useState<Start>(firstState);
  const { path, query } = useLocation();

  useEffect(() => {
    if (location.hash) history.replaceState(null, '', location.pathname.startsWith('/console/accept') ? '/console' : location.pathname + location.search);
    if (start.kind === 'checking') {
      must(api.GET('/v1/session')).then(signedIn, () => signedOut());
    }
    const expired = () => signedOut('Your session has ended: sign in again.');
    window.addEventListener('routeswit:signed-out', expired);
    return () => window.removeEventListener('routeswit:signed-out', expired);
  }, []);

  function signedIn(session: Session) {
    setCsrf(session.csrf_token);
    localStorage.setItem(MARK, '1');
    setStart({ kind: 'in', session });
  }
  function signedOut(message?: string) {
    setCsrf(null);
    localStorage.removeItem(MARK);
    setStart({ kind: 'signed-out', message });
  }

  if (start.kind === 'checking') return <main><p role="status">Checking your session…</p></main>;
  if (start.kind !== 'in') return <SignIn token={start.kind === 'accept' ? start.token : null} message={start.kind === 'signed-out' ? start.message : undefined} onSignedIn={signedIn} />;

  const { session } = start;
  const section = '/' + (path.split('/')[1] ?? '');
  const [, second] = path.split('/').slice(1);
  let page;
  if (section === '/leads' && second) page = <LeadPage id={second} session={session} />;
  else if (section === '/leads') page = <Leads session={session} query={query} />;
  else if (section === '/reps') page = <Reps session={session} />;
  else if (section === '/rules' && second) page = <RuleEditor id={second} session={session} />;
  else if (section === '/rules') page = <Rules session={session} />;
  else if (section === '/lists') page = <ListsAndCalendars session={session} />;
  else if (section === '/integrations') page = <Integrations session={session} />;
  else if (section === '/settings') page = <Settings session={session} />;
  else page = <Overview session={session} />;

  return (
    <>
      <a className="skip" href="#main">Skip to the page</a>
      <header className="bar">
        <strong>Routeswit</strong>
        <nav aria-label="Console">
          {PAGES.map(([to, name]) => (
            <Link key={to} to={to} className={section === to || (to === '/' && section === '/') ? 'current' : undefined}>
              {name}
            </Link>
          ))}
        </nav>
        <span id="who">
          {session.user.name} ({session.user.email}), {session.user.role}
        </span>
        <button
          type="button"
          onClick={async () => {
            await must(api.DELETE('/v1/session')).catch(() => undefined);
            signedOut('Signed out.');
            navigate('/', true);
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>{page}</main>
    </>
  );
}
