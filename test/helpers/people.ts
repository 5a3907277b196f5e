import type { TestApi, TestOrg } from './stack';

/** A person signed in to the console: their cookie and CSRF token, as a browser would hold them. */
export interface Person {
  id: string;
  email: string;
  cookie: string;
  csrf: string;
  /** Headers for a request that changes something. */
  write: { Cookie: string; 'X-CSRF-Token': string };
}

let n = 0;
export const emailFor = (role: string) => `${role}-${++n}-${process.pid}@people.io`;

export function cookieOf(res: { headers: Record<string, unknown> }): string {
  const set = res.headers['set-cookie'] as string[] | undefined;
  const session = set?.find((c) => c.startsWith('routeswit_session='));
  if (!session) throw new Error('no session cookie was set');
  return session.split(';')[0]!;
}

export function personOf(res: { status: number; headers: Record<string, unknown>; body: { user: { id: string; email: string }; csrf_token: string } }): Person {
  if (res.status !== 200) throw new Error(`sign-in answered ${res.status}: ${JSON.stringify(res.body)}`);
  const cookie = cookieOf(res);
  return { id: res.body.user.id, email: res.body.user.email, cookie, csrf: res.body.csrf_token, write: { Cookie: cookie, 'X-CSRF-Token': res.body.csrf_token } };
}

export const tokenOf = (acceptUrl: string): string => new URL(acceptUrl).hash.replace(/^#token=/, '');

/** Invites `email` with `role` (with the organization's secret key, or a person's session) and accepts as them. */
export async function personWithRole(api: TestApi, org: TestOrg, role: string, password = 'correct horse battery', by: Record<string, string> = org.auth): Promise<Person & { password: string }> {
  const email = emailFor(role);
  const inv = await api.http.post('/v1/users/invitations').set(by).send({ email, role });
  if (inv.status !== 200) throw new Error(`invitation answered ${inv.status}: ${JSON.stringify(inv.body)}`);
  const accepted = await api.http.post('/v1/invitations/accept').send({ token: tokenOf(inv.body.accept_url), name: `The ${role}`, password });
  return { ...personOf(accepted), password };
}
