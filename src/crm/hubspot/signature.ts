import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HubSpot's request signature, version 3 (developers.hubspot.com, "Validating requests"): base64 of
 * HMAC-SHA256, keyed with the app's client secret, over method + URI + body + X-HubSpot-Request-Timestamp,
 * where the URI is the full one HubSpot called (scheme, host, path, query) with a few characters decoded.
 * A timestamp more than five minutes old is refused, so a captured request cannot be replayed later.
 */
export const SIGNATURE_HEADER = 'x-hubspot-signature-v3';
export const TIMESTAMP_HEADER = 'x-hubspot-request-timestamp';
export const MAX_AGE_MS = 5 * 60 * 1000;

/** The characters HubSpot decodes in the URI before signing: its table, and nothing else. */
const DECODED: Record<string, string> = { '%3A': ':', '%2F': '/', '%3F': '?', '%40': '@', '%21': '!', '%24': '$', '%27': "'", '%28': '(', '%29': ')', '%2A': '*', '%2C': ',', '%3B': ';' };

export function signedUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODED[m.toUpperCase()]!);
}

export function signV3(secret: string, method: string, uri: string, body: Buffer | string, timestamp: string): string {
  return createHmac('sha256', secret).update(`${method.toUpperCase()}${signedUri(uri)}`).update(body).update(timestamp).digest('base64');
}

export type SignatureProblem = 'missing' | 'stale' | 'mismatch';

/** Whether the timestamp header is present and recent: checked before the body is even read. */
export function timestampProblem(timestamp: string | undefined, now: number): SignatureProblem | null {
  if (!timestamp || !/^\d{1,16}$/.test(timestamp)) return 'missing';
  return Math.abs(now - Number(timestamp)) > MAX_AGE_MS ? 'stale' : null;
}

/**
 * Checks the signature against each URI the request may have been sent to (the public URL the app was given,
 * and the one this server saw): null when one matches, in constant time for each.
 */
export function verifyV3(secret: string, req: { method: string; uris: string[]; body: Buffer; signature: string | undefined; timestamp: string | undefined }, now: number): SignatureProblem | null {
  const late = timestampProblem(req.timestamp, now);
  if (late) return late;
  if (!req.signature) return 'missing';
  const given = Buffer.from(req.signature, 'utf8');
  for (const uri of req.uris) {
    const expected = Buffer.from(signV3(secret, req.method, uri, req.body, req.timestamp!), 'utf8');
    if (expected.length === given.length && timingSafeEqual(expected, given)) return null;
  }
  return 'mismatch';
}
