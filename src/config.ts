import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { z } from 'zod';
import { parseKeyring } from './crypto/keyring';
import { outboundPolicy } from './net/outbound';
import { SmtpUrl } from './schemas/organization';

// Environment strings like "false" must not coerce to true, so booleans are parsed by hand.
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65535);

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: port.default(3000),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .default('postgres://postgres@127.0.0.1:5432/routeswit'),
    /** For schema changes (`migrate`): a direct connection or a role of their own; DATABASE_URL when unset. */
    MIGRATION_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    DATABASE_PREPARED_STATEMENTS: bool.default(true),
    /** PEM file of the CA that signed the Postgres server's certificate: TLS with the chain and host name verified. */
    DATABASE_SSL_CA_FILE: z.string().min(1).optional(),
    /** Session limits sent on connect (0 = not sent): longest statement, longest wait for a lock, longest idle transaction. */
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(30_000),
    DATABASE_LOCK_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(10_000),
    DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
    // Read with the rest of Temporal's own settings (TEMPORAL_TLS_*, TEMPORAL_API_KEY, a TOML profile): see
    // resolveTemporalConnection below. A profile's address or namespace applies when these are not set.
    TEMPORAL_ADDRESS: z.string().min(1).optional(),
    TEMPORAL_NAMESPACE: z.string().min(1).optional(),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('routeswit'),
    TEMPORAL_UI_URL: z.string().url().default('http://localhost:8233'),
    PUBLIC_API_URL: z.string().url().optional(),
    REQUIRE_HTTPS: bool.optional(),
    /**
     * The proxies whose X-Forwarded-For/-Proto are believed (Express syntax: addresses, CIDRs, loopback, a hop
     * count). Unset trusts none: a forwarded header from anyone else would choose the client address that
     * failed authentications are counted under.
     */
    TRUST_PROXY: z.string().optional(),
    TLS_CERT_FILE: z.string().min(1).optional(),
    TLS_KEY_FILE: z.string().min(1).optional(),
    RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).default(500),
    RATE_LIMIT_BURST: z.coerce.number().int().min(1).optional(),
    AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(60),
    MAX_API_KEYS_PER_ORG: z.coerce.number().int().min(1).max(100_000).default(100),
    /** Per-organization quotas (services/quotas.ts): over one, the request is 429 naming it. */
    MAX_SLA_MONITORS_PER_ORG: z.coerce.number().int().min(0).max(100_000).default(25),
    MAX_RUNNING_BACKTESTS_PER_ORG: z.coerce.number().int().min(0).max(1000).default(2),
    MAX_RUNNING_REROUTE_JOBS_PER_ORG: z.coerce.number().int().min(0).max(1000).default(2),
    MAX_LISTS_PER_ORG: z.coerce.number().int().min(0).max(100_000).default(100),
    MAX_DRAFT_RULESETS_PER_ORG: z.coerce.number().int().min(0).max(100_000).default(50),
    LEAD_WAIT_MS_DEFAULT: z.coerce.number().int().min(0).max(30000).default(2000),
    /** After SIGTERM: how long the API keeps answering the requests in flight (it takes no new ones). */
    API_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(20),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
    OUTBOUND_TARGETS: z
      .string()
      .default('public')
      .refine((v) => {
        try {
          outboundPolicy(v);
          return true;
        } catch {
          return false;
        }
      }, 'a comma-separated list of "public" and CIDR ranges, e.g. public,10.0.0.0/8'),
    CODEC_CORS_ORIGINS: z.string().optional(),
    ENCRYPTION_KEYS: z
      .string()
      .optional()
      .superRefine((v, ctx) => {
        if (v === undefined) return;
        try {
          parseKeyring(v);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: `${(err as Error).message}; expected "<id>:<base64 of 32 bytes>[,<id>:<key>…]"` });
        }
      }),
    /** The SMTP server notifications are sent through (smtp://user:pass@host:587 or smtps://…:465); email is off without it. */
    SMTP_URL: SmtpUrl.optional(),
    MAIL_FROM: z.string().min(3).max(320).default('Routeswit <routeswit@localhost>'),
    /**
     * Domains (comma-separated) an organization's own From may be at when its mail goes through SMTP_URL;
     * by default the domain of MAIL_FROM. The envelope sender is always MAIL_FROM's address.
     */
    MAIL_FROM_DOMAINS: z.string().max(2000).optional(),
    /** PEM file of extra certificate authorities trusted for outbound HTTPS (Slack, webhooks behind a private CA). */
    OUTBOUND_CA_FILE: z.string().min(1).optional(),
    /** HubSpot's API (a sandbox or a test double elsewhere); requests to it go through OUTBOUND_TARGETS too. */
    HUBSPOT_API_URL: z.url().refine((u) => /^https?:\/\//.test(u), 'an http(s) URL').default('https://api.hubapi.com'),
    /** Requests per 10 seconds per HubSpot account, shared by every worker: HubSpot's own limit for the app (100 for private apps on Free and Starter, 110 for public apps, 150-190 above). */
    HUBSPOT_RATE_LIMIT: z.coerce.number().int().min(1).max(1000).default(100),
    /** Salesforce's login host (https://test.salesforce.com for sandboxes); API calls go to the instance_url its token names. */
    SALESFORCE_LOGIN_URL: z.url().refine((u) => /^https?:\/\//.test(u), 'an http(s) URL').default('https://login.salesforce.com'),
    /** Requests per 10 seconds per Salesforce org, each counted until it answers: so also at most this many at once (Salesforce allows 25 long-running). */
    SALESFORCE_RATE_LIMIT: z.coerce.number().int().min(1).max(1000).default(25),
    /** After REQUEST_LIMIT_EXCEEDED (the org's daily API allocation is spent): how long nothing is sent for that org. */
    SALESFORCE_LIMIT_PAUSE_SECONDS: z.coerce.number().min(1).max(86_400).default(900),
    /** Console sessions end after this long without a request, and in any case SESSION_MAX_HOURS after sign-in. */
    SESSION_IDLE_MINUTES: z.coerce.number().min(1).max(24 * 60).default(30),
    SESSION_MAX_HOURS: z.coerce.number().min(1).max(24 * 30).default(12),
    /** An invitation link works once, for this long. */
    INVITATION_HOURS: z.coerce.number().min(1).max(24 * 30).default(72),
    /** This many wrong passwords in a row lock the account for SIGN_IN_LOCK_MINUTES. */
    SIGN_IN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
    SIGN_IN_LOCK_MINUTES: z.coerce.number().min(1).max(24 * 60).default(15),
    /** A notification is tried this many times, waits doubling from NOTIFICATION_RETRY_INITIAL_SECONDS (capped at 5 min). */
    NOTIFICATION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
    NOTIFICATION_RETRY_INITIAL_SECONDS: z.coerce.number().min(0.1).max(3600).default(5),
    SWEEPER_INTERVAL_MS: z.coerce.number().int().min(500).max(3_600_000).default(15_000),
    /**
     * Leads taken in bulk (batches, imports) routing at once per deployment: the worker's bulk feeder starts
     * them as others finish, organizations in turn. 32, as many as the ceiling's bare workflows run at once:
     * with 8, one worker on two cores left a fifth of them idle between a lead's round trips and an import
     * routed at 0.74-0.80 of the ceiling's rate (bench:bulk). Raise it with more workers.
     */
    BULK_LEADS_ROUTING: z.coerce.number().int().min(1).max(10_000).default(32),
    /** The same while other leads (not taken in bulk) arrived in the last 10 s: what leaves them room. */
    BULK_LEADS_ROUTING_SHARED: z.coerce.number().int().min(1).max(10_000).default(1),
    /** Server-wide retention (days), each organization may set its own within RETENTION_MIN_DAYS..RETENTION_MAX_DAYS. */
    RETENTION_LEADS_DAYS: z.coerce.number().int().min(1).max(36_500).default(365),
    RETENTION_AUDIT_DAYS: z.coerce.number().int().min(1).max(36_500).default(730),
    RETENTION_DELIVERIES_DAYS: z.coerce.number().int().min(1).max(36_500).default(30),
    RETENTION_NOTIFICATIONS_DAYS: z.coerce.number().int().min(1).max(36_500).default(90),
    RETENTION_MIN_DAYS: z.coerce.number().int().min(1).max(36_500).default(7),
    RETENTION_MAX_DAYS: z.coerce.number().int().min(1).max(36_500).default(3650),
    /**
     * The purge's pace: settled leads per statement (with their timeline, about 6 rows each), and how many times
     * as long as each statement took it rests after it. Measured in docs/scaling.md (bench:purge).
     */
    RETENTION_PURGE_BATCH: z.coerce.number().int().min(1).max(10_000).default(25),
    RETENTION_PURGE_REST_FACTOR: z.coerce.number().min(0).max(100).default(7),
    /** The API's own metrics (/metrics) on this host:port, apart from the public port; unset: none. */
    METRICS_ADDRESS: z.string().regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'must be host:port, e.g. 0.0.0.0:9465').optional(),
    /** The worker's own metrics (/metrics: outboxes, routing, SLA, background jobs); the SDK's stay on WORKER_METRICS_ADDRESS. */
    WORKER_APP_METRICS_ADDRESS: z.string().regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'must be host:port, e.g. 0.0.0.0:9466').optional(),
    /** Label lead → assigned seconds by organization (one series set per organization: mind Prometheus' cardinality). */
    METRICS_PER_ORG: z.enum(['true', 'false']).default('false'),
    /** host:port where the worker serves the Temporal SDK's Prometheus metrics (/metrics); off when unset. */
    WORKER_METRICS_ADDRESS: z.string().regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'must be host:port, e.g. 0.0.0.0:9464').optional(),
    /** Port of the worker's own health endpoint (for a container healthcheck or a Kubernetes probe); off when unset. */
    WORKER_HEALTH_PORT: port.optional(),
    /** Where the worker's health endpoint listens: 127.0.0.1 for a check inside the container, 0.0.0.0 for a probe from the kubelet. */
    WORKER_HEALTH_HOST: z.string().min(1).default('127.0.0.1'),
    /** After SIGTERM: tasks in flight get this long to finish before their activities are cancelled. */
    WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(10),
    /** After SIGTERM: the worker stops by this time whatever is in flight (the container's stop grace period must be longer). */
    WORKER_SHUTDOWN_FORCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(20),
    /**
     * Workflows the worker keeps in memory between their tasks (the sticky cache). An open lead waiting on its SLA
     * timer needs none: evicted, it is replayed from its history when its timer fires. Bounds the worker's memory
     * however many leads are open (bench:soak measures it); unset, the SDK sizes it from the heap.
     */
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).optional(),
    /** Worker Versioning: workers announce a deployment version; short-lived workflows stay on the build that started them. */
    WORKER_VERSIONING: bool.default(false),
    WORKER_DEPLOYMENT_NAME: z.string().min(1).default('routeswit'),
    /** The build's id (the git commit); read from git or the package version when unset. */
    WORKER_BUILD_ID: z.string().regex(/^[\w.+-]{1,255}$/, 'letters, digits and . _ + - only').optional(),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.ENCRYPTION_KEYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['ENCRYPTION_KEYS'],
        message: 'is required in production: lead data in Temporal and stored secrets are encrypted with it (generate one with `routeswit keys generate-encryption-key`)',
      });
    }
    if (env.WORKER_VERSIONING && !env.WORKER_BUILD_ID && env.NODE_ENV === 'production') {
      ctx.addIssue({
        code: 'custom',
        path: ['WORKER_BUILD_ID'],
        message: 'is required with WORKER_VERSIONING in production (the image sets it from its BUILD_ID build argument): without it every build polls as the same version',
      });
    }
    if (env.WORKER_SHUTDOWN_FORCE_SECONDS <= env.WORKER_SHUTDOWN_GRACE_SECONDS) {
      ctx.addIssue({ code: 'custom', path: ['WORKER_SHUTDOWN_FORCE_SECONDS'], message: 'must be longer than WORKER_SHUTDOWN_GRACE_SECONDS' });
    }
    if (Boolean(env.TLS_CERT_FILE) !== Boolean(env.TLS_KEY_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.TLS_CERT_FILE ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE'],
        message: 'TLS_CERT_FILE and TLS_KEY_FILE must be set together',
      });
    }
  });

export type Config = Omit<z.infer<typeof EnvSchema>, 'REQUIRE_HTTPS' | 'RATE_LIMIT_BURST' | 'PUBLIC_API_URL' | 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'> & {
  REQUIRE_HTTPS: boolean;
  RATE_LIMIT_BURST: number;
  /** Where people reach the API: links in the Temporal Web UI and in notifications point here. */
  PUBLIC_API_URL: string;
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
  /** How the API, the worker and the CLI connect to Temporal (TLS, API key, metadata included). */
  TEMPORAL_CONNECTION: TemporalConnection;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Settings whose value is a secret: an error or a log line names them, never shows them. */
const SECRET_SETTINGS = new Set(['ENCRYPTION_KEYS', 'TEMPORAL_API_KEY', 'TEMPORAL_TLS_CLIENT_KEY_DATA', 'TEMPORAL_TLS_CLIENT_CERT_DATA']);
/** Settings that are URLs whose password is a secret. */
const URL_SETTINGS = new Set(['DATABASE_URL', 'MIGRATION_DATABASE_URL', 'SMTP_URL']);

/** How a configuration problem may show a setting's value. */
export function shownValue(name: string, value: string): string {
  if (SECRET_SETTINGS.has(name) || name.startsWith('TEMPORAL_GRPC_META_')) return `(hidden, ${value.length} characters)`;
  if (URL_SETTINGS.has(name)) return JSON.stringify(value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@'));
  return JSON.stringify(value);
}

/** Parses the environment; throws ConfigError naming every bad variable. Empty strings count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') cleaned[k] = v;
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}=${shownValue(String(i.path[0]), cleaned[String(i.path[0])] ?? '')}: ${i.message}`));
  }
  const c = parsed.data;
  let temporal: TemporalConnection;
  try {
    temporal = resolveTemporalConnection(temporalEnv(cleaned));
  } catch (err) {
    throw new ConfigError([`TEMPORAL_*: ${(err as Error).message.slice(0, 300)} (the Temporal connection settings, or the profile in TEMPORAL_CONFIG_FILE)`]);
  }
  return {
    ...c,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    TEMPORAL_CONNECTION: temporal,
    REQUIRE_HTTPS: c.REQUIRE_HTTPS ?? c.NODE_ENV === 'production',
    RATE_LIMIT_BURST: c.RATE_LIMIT_BURST ?? Math.max(1, Math.ceil(c.RATE_LIMIT_PER_SECOND * 2)),
    PUBLIC_API_URL: (c.PUBLIC_API_URL ?? `${c.TLS_CERT_FILE ? 'https' : 'http'}://localhost:${c.PORT}`).replace(/\/$/, ''),
  };
}

/** For process entry points: print the problem and exit instead of a stack trace. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

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
const DEFAULT_ADDRESS = '127.0.0.1:7233';

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
