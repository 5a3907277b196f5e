import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './schema';

export type { components, operations, paths };
/** Every named shape of the API: `Schemas['Lead']`, `Schemas['RulesetCreate']`, … */
export type Schemas = components['schemas'];
export type RouteswitClient = Client<paths>;

export interface RouteswitOptions extends Omit<ClientOptions, 'baseUrl' | 'headers'> {
  /** Where the API is, e.g. https://routing.example.com */
  baseUrl: string;
  /** A secret (sk_live_…) or restricted (rk_live_…) key. */
  apiKey: string;
  /** Sent with every request, beside the key. */
  headers?: Record<string, string>;
}

/**
 * A client whose every path, parameter, body and response is typed from the OpenAPI document:
 *
 *   const api = routeswitClient({ baseUrl, apiKey });
 *   const { data, error } = await api.POST('/v1/leads', { body: { email: 'ann@acme.io' } });
 *
 * `data` is the 200 body, `error` the documented error body (`error.error.code`, `error.error.details`).
 */
export function routeswitClient({ apiKey, headers, ...options }: RouteswitOptions): RouteswitClient {
  return createClient<paths>({ ...options, headers: { ...headers, Authorization: `Bearer ${apiKey}` } });
}

export interface RouteswitSessionOptions extends Omit<ClientOptions, 'baseUrl' | 'credentials'> {
  /** Where the API is; '' for the page's own origin (the console). */
  baseUrl?: string;
  /** The signed-in session's CSRF token (from POST /v1/session), or null before sign-in. */
  csrfToken: () => string | null;
}

/**
 * A client for a page the API serves, signed in with the session cookie instead of a key: the browser sends
 * the cookie, and every request that changes something carries the session's X-CSRF-Token.
 */
export function routeswitSessionClient({ csrfToken, baseUrl = '', ...options }: RouteswitSessionOptions): RouteswitClient {
  const client = createClient<paths>({ ...options, baseUrl, credentials: 'same-origin' });
  client.use({
    onRequest({ request }) {
      const token = csrfToken();
      if (token && request.method !== 'GET' && request.method !== 'HEAD') request.headers.set('X-CSRF-Token', token);
      return request;
    },
  });
  return client;
}

/** The cursor of the next page, from a list response's Link header (null on the last page). */
export function nextCursor(response: Response): string | null {
  const link = response.headers.get('link');
  const cursor = link ? /[?&]cursor=([^&>]+)/.exec(link)?.[1] : undefined;
  return cursor ? decodeURIComponent(cursor) : null;
}

/**
 * A write's answer as the whole object. A key without the resource's read scope (`leads:read` for a lead it
 * writes) is answered with a WriteReceipt instead: the id, status and what it sent. This throws for one.
 *
 *   const rep = whole((await api.POST('/v1/reps', { body })).data);
 */
export function whole<T>(data: T): Exclude<T, Schemas['WriteReceipt']> {
  if (typeof data === 'object' && data !== null && (data as { receipt?: unknown }).receipt === true) {
    throw new Error('The API answered with a receipt: this key may write this resource but not read it (give it the :read scope too)');
  }
  return data as Exclude<T, Schemas['WriteReceipt']>;
}
