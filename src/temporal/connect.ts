import type { TemporalConnection } from '../config';

/**
 * A connection failure in words: which setting to look at. A TLS handshake refused (no client certificate, or
 * one the server's CA did not sign) is not something waiting fixes, unlike a server still starting.
 */
export function describeConnectError(err: unknown, c: Pick<TemporalConnection, 'address' | 'tls'>): { message: string; permanent: boolean } {
  const text = `${(err as Error)?.message ?? err} ${String((err as { cause?: unknown })?.cause ?? '')}`;
  // Over TLS, a connection the server cuts during the handshake (reset, early end of stream) is a refusal too.
  const refused = /certificate|handshake|tls|ssl|alert|unknown ca|close_notify/i.test(text) || (c.tls && /reset by peer|connection ?reset|unexpected ?eof|early eof|broken ?pipe|connection closed/i.test(text));
  if (refused) {
    return {
      permanent: true,
      message: c.tls
        ? `Temporal at ${c.address} refused the TLS connection: check TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (a client certificate the server's CA signed) and TEMPORAL_TLS_SERVER_CA_CERT_PATH / TEMPORAL_TLS_SERVER_NAME (the server's certificate) (${text.trim().slice(0, 200)})`
        : `Temporal at ${c.address} expects TLS: set TEMPORAL_TLS=true, or TEMPORAL_API_KEY for Temporal Cloud, and the TEMPORAL_TLS_* certificates (${text.trim().slice(0, 200)})`,
    };
  }
  if (/unauthenticated|permission denied|api key|authorization/i.test(text)) {
    return { permanent: true, message: `Temporal at ${c.address} refused the credentials: check TEMPORAL_API_KEY (${text.trim().slice(0, 200)})` };
  }
  // Some clients report a refused TLS handshake only as "no connection": over TLS, name those settings too.
  const tlsHint = c.tls ? '; over TLS also TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH' : '';
  return { permanent: false, message: `Temporal at ${c.address} is not reachable (check TEMPORAL_ADDRESS${tlsHint}): ${text.trim().slice(0, 200)}` };
}
