import { sendGuarded, type OutboundPolicy } from './outbound';

/**
 * fetch() for libraries that take one (openid-client), through the outbound guard: an identity provider an
 * organization names is a target like a webhook's, checked against OUTBOUND_TARGETS at connection time.
 */
export function guardedFetch(policy: OutboundPolicy, o: { timeoutMs: number; maxBodyBytes: number; ca?: string }) {
  return async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => (headers[key] = value));
    const body = typeof init.body === 'string' ? init.body : init.body instanceof URLSearchParams ? init.body.toString() : '';
    const method = (init.method ?? 'GET').toUpperCase() as 'GET' | 'POST';
    const res = await sendGuarded(url, body, policy, { method, headers: { 'content-type': headers['content-type'] ?? 'application/json', ...headers }, timeoutMs: o.timeoutMs, maxBodyBytes: o.maxBodyBytes, ca: o.ca });
    const out = new Headers();
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
    return new Response(res.status === 204 || res.status === 304 ? null : res.body, { status: res.status, headers: out });
  };
}
