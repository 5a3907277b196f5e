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
