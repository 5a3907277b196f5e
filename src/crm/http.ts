import type { z } from 'zod';
import { describeFailure, sendGuarded, type OutboundPolicy, type OutboundResponse } from '../net/outbound';
import { CrmHttpError, CrmUnreachable } from './connector';

/**
 * How every CRM request goes out: through the outbound guard (the operator's OUTBOUND_TARGETS), after a
 * slot of the account's shared rate budget, with the current access token, and once more with a fresh token
 * when the CRM says 401. Nothing here retries anything else: retries belong to the Temporal activity that
 * made the call, so there is one retry policy, not two fighting each other.
 */
export interface RateLimiter {
  /** Waits for a request slot of this account's budget (shared by every worker); call the answer once the request has ended. */
  acquire(): Promise<() => Promise<void>>;
  /** The CRM said 429: nobody sends for this account for `ms`. */
  pause(ms: number): Promise<void>;
}

export interface TokenSource {
  /** An access token believed valid now. */
  current(): Promise<string>;
  /** A new one, after the CRM refused the current one; throws when there is no way to get one. */
  refresh(): Promise<string>;
}

export interface CrmTransportOptions {
  baseUrl: string;
  policy: OutboundPolicy;
  limiter: RateLimiter;
  tokens: TokenSource;
  timeoutMs: number;
  /** Extra CAs for an HTTPS base URL (OUTBOUND_CA_FILE). */
  ca?: string;
  /** How the CRM says how long to wait after a 429, when it does not send Retry-After. */
  retryAfterOf?: (res: OutboundResponse) => number | null;
  /**
   * An answer other than 429 that means the account's allocation is spent (Salesforce's REQUEST_LIMIT_EXCEEDED):
   * how long nobody should send for it; null for any other answer.
   */
  exhaustedFor?: (res: OutboundResponse) => number | null;
}

export interface CrmRequest {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  query?: Record<string, string | undefined>;
  json?: unknown;
  form?: Record<string, string>;
  /** Send the bearer token (not for the token endpoint itself). */
  auth?: boolean;
  headers?: Record<string, string>;
}

/** Large enough for a page of 100 owners or a batch of 100 objects with their properties. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

function retryAfterMs(res: OutboundResponse, fallback?: (res: OutboundResponse) => number | null): number | null {
  const header = res.headers['retry-after'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value && /^\d+(\.\d+)?$/.test(value.trim())) return Math.ceil(Number(value) * 1000);
  if (value && !Number.isNaN(Date.parse(value))) return Math.max(0, Date.parse(value) - Date.now());
  return fallback?.(res) ?? null;
}

function errorOf(res: OutboundResponse, what: string, fallback?: (res: OutboundResponse) => number | null): CrmHttpError {
  let message = '';
  let category: string | null = null;
  try {
    // HubSpot answers {message, category}; Salesforce a list of {message, errorCode}.
    const parsed = JSON.parse(res.body) as unknown;
    const body = (Array.isArray(parsed) ? parsed[0] : parsed) as { message?: unknown; category?: unknown; errorCode?: unknown } | undefined;
    if (typeof body?.message === 'string') message = body.message.slice(0, 300);
    const kind = body?.category ?? body?.errorCode;
    if (typeof kind === 'string') category = kind.slice(0, 100);
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  return new CrmHttpError(res.status, `${what}: HTTP ${res.status}${message ? ` (${message})` : ''}`, res.status === 429 ? retryAfterMs(res, fallback) : null, category);
}

export function crmTransport(o: CrmTransportOptions) {
  async function once(r: CrmRequest, token: string | null): Promise<OutboundResponse> {
    const release = await o.limiter.acquire();
    const url = new URL(r.path, o.baseUrl.endsWith('/') ? o.baseUrl : `${o.baseUrl}/`);
    for (const [k, v] of Object.entries(r.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const body = r.form ? new URLSearchParams(r.form).toString() : r.json === undefined ? '' : JSON.stringify(r.json);
    const headers: Record<string, string> = { accept: 'application/json', ...(r.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...r.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    try {
      return await sendGuarded(url.toString(), body, o.policy, { method: r.method, headers, timeoutMs: o.timeoutMs, maxBodyBytes: MAX_ANSWER_BYTES, ...(o.ca ? { ca: o.ca } : {}) });
    } catch (err) {
      throw new CrmUnreachable(`${r.method} ${r.path}: ${describeFailure(err)}`);
    } finally {
      // A slot that cannot be ended counts until its timeout: safe, so a database blip here fails nothing.
      await release().catch(() => undefined);
    }
  }

  /** Sends `r` and parses a 2xx answer with `schema`; anything else is a CrmHttpError (after one token refresh on 401). */
  return async function request<T>(r: CrmRequest, schema: z.ZodType<T>, what: string): Promise<{ status: number; body: T }> {
    let res = await once(r, r.auth === false ? null : await o.tokens.current());
    if (res.status === 401 && r.auth !== false) res = await once(r, await o.tokens.refresh());
    if (res.status === 429) {
      const err = errorOf(res, what, o.retryAfterOf);
      await o.limiter.pause(err.retryAfterMs ?? 10_000);
      throw err;
    }
    const exhausted = o.exhaustedFor?.(res);
    if (exhausted) {
      const err = errorOf(res, what);
      await o.limiter.pause(exhausted);
      throw new CrmHttpError(429, err.message, exhausted, err.category);
    }
    if (res.status < 200 || res.status > 299) throw errorOf(res, what, o.retryAfterOf);
    let json: unknown;
    try {
      json = res.body ? JSON.parse(res.body) : {};
    } catch {
      throw new CrmHttpError(502, `${what}: the answer is not JSON`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new CrmHttpError(502, `${what}: the answer is not what the CRM documents (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})`);
    return { status: res.status, body: parsed.data };
  };
}
export type CrmRequester = ReturnType<typeof crmTransport>;
