import { nextCursor, routeswitSessionClient, whole, type Schemas } from '../../clients/typescript/src/index';

export type { Schemas };
export type Session = Schemas['Session'];

let csrf: string | null = null;
export const setCsrf = (token: string | null): void => {
  csrf = token;
};

/** The one way the console talks to the API: the generated typed client, signed in with the session cookie. */
export const api = routeswitSessionClient({ csrfToken: () => csrf });

/** The API's documented error: its words, and where in the sent body each problem is (`rules[0].when.value`). */
export class ApiProblem extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly details: ReadonlyArray<{ path: string; message: string }> = [],
  ) {
    super(message);
  }
}

type Answer<T> = { data?: T; error?: unknown; response: Response };

/**
 * The answer's body, or an ApiProblem in the API's own words. A role's write scopes always come with the
 * read scope of the same resource, so a write answers with the whole object, never a receipt.
 */
export async function must<T>(call: Promise<Answer<T>>): Promise<Exclude<T, Schemas['WriteReceipt']>> {
  let answer: Answer<T>;
  try {
    answer = await call;
  } catch {
    throw new ApiProblem('The API cannot be reached: check your connection and try again.', 0);
  }
  if (answer.response.ok) return whole(answer.data as T);
  const body = answer.error as { error?: { message?: string; details?: Array<{ path: string; message: string }> } } | undefined;
  const status = answer.response.status;
  const words =
    body?.error?.message ??
    (status === 401 ? 'Your session has ended: sign in again.' : status === 403 ? 'Your role does not allow this.' : `The API answered ${status}.`);
  if (status === 401) window.dispatchEvent(new Event('routeswit:signed-out'));
  throw new ApiProblem(words, status, body?.error?.details ?? []);
}

/** A list endpoint's items and the cursor of the next page. */
export async function page<D extends unknown[]>(call: Promise<Answer<D>>): Promise<{ items: D; next: string | null }> {
  const answer = await call.catch(() => null);
  if (!answer) throw new ApiProblem('The API cannot be reached: check your connection and try again.', 0);
  const items = (await must(Promise.resolve(answer))) as D;
  return { items, next: nextCursor(answer.response) };
}

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** What the signed-in person may do, by scope. */
export const can = (session: Session, scope: string): boolean => session.scopes.includes(scope);

/** Every active rep (the console's pickers and names); the type is the API's answer as the client reads it. */
export const listReps = () => page(api.GET('/v1/reps', { params: { query: { limit: 200 } } }));
export type Rep = Awaited<ReturnType<typeof listReps>>['items'][number];
