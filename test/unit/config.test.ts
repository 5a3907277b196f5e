import { ConfigError, loadConfig } from '../../src/config';

describe('configuration from the environment', () => {
  it('starts with no configuration at all, with production-sane defaults', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/routeswit');
    expect(c.TEMPORAL_TASK_QUEUE).toBe('routeswit');
    expect(c.REQUIRE_HTTPS).toBe(false);
    expect(c.RATE_LIMIT_PER_SECOND).toBe(500);
    expect(c.RATE_LIMIT_BURST).toBe(1000);
  });

  const KEYS = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

  it('requires HTTPS by default in production, and lets it be switched off explicitly', () => {
    expect(loadConfig({ NODE_ENV: 'production', ENCRYPTION_KEYS: KEYS }).REQUIRE_HTTPS).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production', ENCRYPTION_KEYS: KEYS, REQUIRE_HTTPS: 'false' }).REQUIRE_HTTPS).toBe(false);
  });

  it('refuses to run in production without ENCRYPTION_KEYS, and names a malformed one', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/ENCRYPTION_KEYS.*required in production/);
    expect(() => loadConfig({ ENCRYPTION_KEYS: 'k1:c2hvcnQ=' })).toThrow(/ENCRYPTION_KEYS.*32/);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/x'],
    ['REQUIRE_HTTPS', 'maybe'],
    ['LOG_LEVEL', 'loud'],
    ['RATE_LIMIT_PER_SECOND', '-1'],
    ['NODE_ENV', 'staging'],
  ])('a bad %s (%s) stops start-up with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      expect((err as Error).message).toContain(name);
      expect((err as Error).message).toContain(value);
    }
  });

  it('refuses a TLS certificate without its key', () => {
    expect(() => loadConfig({ TLS_CERT_FILE: '/tmp/cert.pem' })).toThrow(/TLS_KEY_FILE/);
  });

  it('treats empty variables as unset rather than invalid', () => {
    expect(loadConfig({ PORT: '', TEMPORAL_ADDRESS: '' }).PORT).toBe(3000);
  });
});

/** Issue 27, finding 5: a configuration error names the setting, never shows a secret's value. */
describe('configuration errors and secrets', () => {
  const KEYS = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
  it.each([
    ['DATABASE_URL', 'mysql://routeswit:SeCrEt-1@db.internal/routeswit', 'SeCrEt-1'],
    ['MIGRATION_DATABASE_URL', 'http://owner:SeCrEt-2@db.internal/routeswit', 'SeCrEt-2'],
    ['SMTP_URL', 'http://mailer:SeCrEt-3@smtp.internal', 'SeCrEt-3'],
    ['ENCRYPTION_KEYS', 'k1:SeCrEt4SeCrEt4SeCrEt4', 'SeCrEt4'],
    ['ENCRYPTION_KEYS', 'SeCrEt5-with-no-key-id', 'SeCrEt5'],
  ])('a bad %s is named, and its secret part never shown', (name, value, secret) => {
    let message = '';
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toContain(name);
    expect(message).not.toContain(secret);
  });

  it('a Temporal setting that cannot be read is named without the API key or certificate data beside it', () => {
    let message = '';
    try {
      loadConfig({ ENCRYPTION_KEYS: KEYS, TEMPORAL_API_KEY: 'SeCrEt-api-key', TEMPORAL_TLS_CLIENT_KEY_DATA: 'SeCrEt-pem', TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml', TEMPORAL_PROFILE: 'prod' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/TEMPORAL_/);
    expect(message).not.toMatch(/SeCrEt/);
  });

  it('reads Temporal\'s own settings: TLS from a client certificate, an API key, a profile', () => {
    const c = loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_API_KEY: 'k', TEMPORAL_GRPC_META_X_TENANT: 'acme' });
    expect(c.TEMPORAL_ADDRESS).toBe('ns.acct.tmprl.cloud:7233');
    expect(c.TEMPORAL_NAMESPACE).toBe('ns.acct');
    expect(c.TEMPORAL_CONNECTION.tls).toBe(true);
    expect(c.TEMPORAL_CONNECTION.options.apiKey).toBe('k');
    expect(loadConfig({}).TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
    expect(loadConfig({}).TEMPORAL_CONNECTION.tls).toBe(false);
  });

  it('refuses a versioned worker without a build id in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', ENCRYPTION_KEYS: KEYS, WORKER_VERSIONING: 'true' })).toThrow(/WORKER_BUILD_ID.*required with WORKER_VERSIONING/);
    expect(loadConfig({ NODE_ENV: 'production', ENCRYPTION_KEYS: KEYS, WORKER_VERSIONING: 'true', WORKER_BUILD_ID: 'abc123' }).WORKER_BUILD_ID).toBe('abc123');
  });
});
