import { IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError, type FetchFunction } from '@slack/webhook';
import { sendGuarded, type OutboundPolicy } from './outbound';

const TIMEOUT_MS = 10_000;

export interface SlackPayload {
  text: string;
  blocks: object[];
}

/**
 * Posts a message to a Slack incoming webhook. The HTTP exchange goes through the outbound guard (the
 * organization set the URL), with the operator's extra certificate authorities if any.
 */
export async function sendSlack(url: string, message: SlackPayload, policy: OutboundPolicy, ca?: string): Promise<void> {
  // The library wraps a network failure in a plain Error and loses its code; keep the original to report it.
  let networkError: unknown;
  const fetchFn: FetchFunction = async (target, init) => {
    const res = await sendGuarded(String(target), String(init?.body ?? ''), policy, { headers: init?.headers, timeoutMs: TIMEOUT_MS, maxBodyBytes: 4096, ...(ca ? { ca } : {}) }).catch((err: unknown) => {
      networkError = err;
      throw err;
    });
    const headers = new Map<string, string>();
    return {
      ok: res.status >= 200 && res.status < 300,
      status: res.status,
      statusText: '',
      url: String(target),
      headers: { get: (n: string) => headers.get(n) ?? null, entries: () => headers.entries() },
      text: async () => res.body,
      json: async () => JSON.parse(res.body) as unknown,
      arrayBuffer: async () => new TextEncoder().encode(res.body).buffer as ArrayBuffer,
    };
  };
  try {
    await new IncomingWebhook(url, { fetch: fetchFn, timeout: TIMEOUT_MS }).send({ text: message.text, blocks: message.blocks as never });
  } catch (err) {
    if (err instanceof IncomingWebhookRequestError && networkError !== undefined) throw new IncomingWebhookRequestError(networkError as Error);
    throw err;
  }
}

/**
 * What a log may say about a failed post: Slack's answer (e.g. 404 no_service), or the network failure
 * underneath (for describeFailure), else null.
 */
export function describeSlackFailure(err: unknown): { said: string } | { cause: unknown } | null {
  if (err instanceof IncomingWebhookHTTPError) return { said: `Slack answered ${err.statusCode} ${err.body.slice(0, 200)}`.trim() };
  if (err instanceof IncomingWebhookRequestError) return { cause: err.original };
  return null;
}
