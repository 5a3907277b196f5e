import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

/**
 * How to reach Temporal, read the way the Temporal SDK reads it (`@temporalio/envconfig`): the TEMPORAL_*
 * environment variables (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS,
 * TEMPORAL_TLS_CLIENT_CERT_PATH / _DATA, TEMPORAL_TLS_CLIENT_KEY_PATH / _DATA,
 * TEMPORAL_TLS_SERVER_CA_CERT_PATH / _DATA, TEMPORAL_TLS_SERVER_NAME, TEMPORAL_TLS_DISABLE_HOST_VERIFICATION,
 * TEMPORAL_GRPC_META_*) over a profile of its TOML file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE). So a
 * Temporal Cloud namespace, or a cluster behind mTLS, is reached with the settings its users already have.
 */
export interface TemporalConnection {
  address: string;
  namespace: string;
  /** What the API's client, the worker's native connection and the CLI connect with. */
  options: NativeConnectionOptions & { address: string };
  /** Whether the connection is TLS (set explicitly, by a certificate, or by an API key). */
  tls: boolean;
}

/** Where Routeswit looks when nothing names a server: the dev server `npm run dev` starts. */
export const DEFAULT_ADDRESS = '127.0.0.1:7233';

/**
 * The environment variables of Temporal's own configuration (Routeswit's TEMPORAL_TASK_QUEUE and TEMPORAL_UI_URL
 * are not), and where its default TOML file lives (~/.config/temporalio/temporal.toml).
 */
export function temporalEnv(env: Record<string, string | undefined>): Record<string, string> {
  const ours = new Set(['TEMPORAL_TASK_QUEUE', 'TEMPORAL_UI_URL', 'TEMPORAL_CLI_PATH', 'TEMPORAL_TEST_SERVER_PATH']);
  const home = new Set(['HOME', 'XDG_CONFIG_HOME', 'APPDATA']);
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => ((e[0].startsWith('TEMPORAL_') && !ours.has(e[0])) || home.has(e[0])) && e[1] !== undefined && e[1] !== ''),
  );
}

/** Throws with a sentence naming the setting at fault (a profile that is not there, a certificate file missing). */
export function resolveTemporalConnection(env: Record<string, string>): TemporalConnection {
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: env });
  const address = connectionOptions.address || DEFAULT_ADDRESS;
  const tls = Boolean(connectionOptions.tls) || Boolean(connectionOptions.apiKey);
  return { address, namespace: namespace || 'default', options: { ...connectionOptions, address }, tls };
}

/**
 * A connection failure in words: which setting to look at. A TLS handshake refused (no client certificate, or
 * one the server's CA did not sign) is not something waiting fixes, unlike a server still starting.
 */
export function describeConnectError(err: unknown, c: Pick<TemporalConnection, 'address' | 'tls'>): { message: string; permanent: boolean } {
  const text = `${(err as Error)?.message ?? err} ${String((err as { cause?: unknown })?.cause ?? '')}`;
  // Over TLS, a connection the server cuts during the handshake (reset, early end of stream) is a refusal too.
  const refused = /certificate|handshake|tls|ssl|alert|unknown ca|close_notify/i.test(text) || (c.tls && /reset by peer|connection reset|unexpected eof|early eof|broken pipe/i.test(text));
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
