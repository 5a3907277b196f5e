import { useEffect, useState } from 'react';

/** The console's pages are real addresses under /console, so a lead's page can be linked and reloaded. */
export const BASE = '/console';

export function navigate(to: string, replace = false): void {
  const url = to.startsWith(BASE) ? to : `${BASE}${to}`;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new Event('routeswit:navigate'));
}

/** The path below /console ('/', '/leads', '/leads/ld_…') and its query. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const read = () => ({ path: location.pathname.slice(BASE.length) || '/', query: new URLSearchParams(location.search) });
  const [where, setWhere] = useState(read);
  useEffect(() => {
    const update = () => setWhere(read());
    window.addEventListener('popstate', update);
    window.addEventListener('routeswit:navigate', update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('routeswit:navigate', update);
    };
  }, []);
  return where;
}
