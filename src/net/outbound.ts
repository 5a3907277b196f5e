import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import tls from 'node:tls';
import ipaddr from 'ipaddr.js';

/**
 * Requests that tenants aim (webhooks, Slack URLs) go only where the operator allows: by default public
 * unicast addresses, never loopback, private, link-local (cloud metadata), multicast or unspecified ones.
 * The check is made on the address actually connected to, after DNS, so a name that later resolves to
 * 127.0.0.1 is refused too. `OUTBOUND_TARGETS` lists what is allowed: `public` and/or CIDR ranges
 * (`public,10.0.0.0/8` for a self-hosted receiver on the private network; `127.0.0.0/8,::1/128` keeps a
 * test stack on the machine).
 */
export interface OutboundPolicy {
  allows(address: string): boolean;
  /**
   * Whether a host name must be refused before any DNS query: under a loopback-only policy (a test or
   * conformance stack) only localhost names are looked at, so no tenant-chosen name reaches a resolver.
   */
  refusesName(hostname: string): boolean;
  describe: string;
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** ::/96, the deprecated IPv4-compatible form: ::127.0.0.1 reaches 127.0.0.1 on some stacks. */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

function normalise(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (!ipaddr.isValid(address)) return null;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed;
  const v6 = parsed as ipaddr.IPv6;
  // ::ffff:127.0.0.1 is 127.0.0.1; so, for this check, is ::127.0.0.1 (but :: and ::1 stay themselves).
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  if (v6.match(IPV4_COMPATIBLE) && v6.range() !== 'unspecified' && v6.range() !== 'loopback') return ipaddr.fromByteArray(v6.toByteArray().slice(12));
  return v6;
}

/** A DNS name as resolvers read it: case folded, and without the trailing dots of a fully qualified name. */
const canonicalName = (host: string) => host.toLowerCase().replace(/\.+$/, '');
const isLocalhostName = (host: string) => {
  const name = canonicalName(host);
  return name === 'localhost' || name.endsWith('.localhost');
};

/** Throws on a malformed spec (config validation reports it). */
export function outboundPolicy(spec: string): OutboundPolicy {
  const parts = spec.split(',').map((p) => p.trim()).filter(Boolean);
  const publicAllowed = parts.includes('public');
  const ranges: Cidr[] = parts.filter((p) => p !== 'public').map((p) => ipaddr.parseCIDR(p));
  const loopbackOnly = !publicAllowed && ranges.every(([net, bits]) => net.range() === 'loopback' && bits >= (net.kind() === 'ipv4' ? 8 : 128));
  return {
    describe: spec,
    refusesName: (hostname) => loopbackOnly && !normalise(hostname) && !isLocalhostName(hostname),
    allows(address) {
      const ip = normalise(address);
      if (!ip) return false;
      if (ranges.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits))) return true;
      return publicAllowed && ip.range() === 'unicast';
    },
  };
}

export const REFUSED = 'destination address not allowed (loopback, private, link-local or similar)';

/** For validation when a URL is saved: a literal address or a *.localhost name that can never be allowed. */
export function urlProblem(url: string, policy: OutboundPolicy): string | null {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (normalise(host)) return policy.allows(host) ? null : REFUSED;
  if (isLocalhostName(host)) return policy.allows('127.0.0.1') ? null : REFUSED;
  return null;
}

class RefusedAddress extends Error {
  code = 'EROUTESWITREFUSED';
}

/** dns.lookup that only ever hands back allowed addresses. */
function guardedLookup(policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    if (policy.refusesName(hostname)) return callback(new RefusedAddress(REFUSED), '', 0);
    dns.lookup(hostname, { all: true, family: options.family as number | undefined }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const allowed = addresses.filter((a) => policy.allows(a.address));
      if (!allowed.length) return callback(new RefusedAddress(REFUSED), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, allowed);
      callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}

/** What a delivery log may say about a failure: enough to act on, nothing about the inside of the network. */
export function describeFailure(err: unknown): string {
  const e = err as { code?: string; name?: string };
  if (err instanceof RefusedAddress || e.code === 'EROUTESWITREFUSED') return REFUSED;
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'ETIMEDOUT':
    case 'ROUTESWIT_TIMEOUT':
      return 'timed out';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection reset';
  }
  if (typeof e.code === 'string' && /CERT|SSL|TLS|UNABLE_TO_VERIFY|SIGNATURE/.test(e.code)) return 'TLS handshake failed';
  return 'connection failed';
}

export interface OutboundResponse {
  status: number;
  /** The first bytes of the body (see `maxBodyBytes`); empty unless asked for. */
  body: string;
  headers: http.IncomingHttpHeaders;
}

export interface OutboundOptions {
  method?: 'POST' | 'GET' | 'PATCH';
  headers?: Record<string, string>;
  timeoutMs: number;
  /** Read this much of the response body (a Slack error says what is wrong in it); 0 discards it. */
  maxBodyBytes?: number;
  /** Extra certificate authorities (PEM) trusted beside the system's, for HTTPS targets (OUTBOUND_CA_FILE). */
  ca?: string;
}

/**
 * Sends `body` to `url` under the policy: no redirects followed, a hard timeout for the whole exchange, at most
 * `maxBodyBytes` of the answer kept. Rejects with an error that describeFailure() turns into a safe sentence.
 */
export function sendGuarded(url: string, body: string, policy: OutboundPolicy, o: OutboundOptions): Promise<OutboundResponse> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if ((normalise(host) && !policy.allows(host)) || policy.refusesName(host)) return Promise.reject(new RefusedAddress(REFUSED));
  const secure = target.protocol === 'https:';
  const client = secure ? https : http;
  const limit = o.maxBodyBytes ?? 0;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: o.method ?? 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...o.headers },
        lookup: guardedLookup(policy),
        ...(secure && o.ca ? { ca: [...tls.rootCertificates, o.ca] } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (c: Buffer) => {
          if (kept < limit) chunks.push(c.subarray(0, limit - kept));
          kept += c.length;
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers });
        });
        res.on('error', reject);
      },
    );
    // The whole exchange, not just socket idleness: a receiver trickling bytes is cut off too.
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('timed out'), { code: 'ROUTESWIT_TIMEOUT' })), o.timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}

/** POSTs JSON to `url` under the policy, discarding the answer's body (webhook deliveries). */
export function postJson(url: string, body: string, headers: Record<string, string>, policy: OutboundPolicy, timeoutMs: number, ca?: string): Promise<OutboundResponse> {
  return sendGuarded(url, body, policy, { headers, timeoutMs, ca });
}
