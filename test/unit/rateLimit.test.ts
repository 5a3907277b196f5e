import { ApiError } from '../../src/errors';
import { RateLimiter } from '../../src/api/rateLimit';

describe('per-key rate limiter', () => {
  it('allows the burst, then refuses with 429 and a Retry-After, and refills over time', () => {
    let now = 0;
    const limiter = new RateLimiter(10, 5, () => now);
    for (let i = 0; i < 5; i++) limiter.take('key_a');
    let err: unknown;
    try {
      limiter.take('key_a');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(429);
    expect((err as ApiError).headers?.['Retry-After']).toBe('1');
    limiter.take('key_b'); // other keys are unaffected
    now += 100; // 10/s refills one token per 100 ms
    expect(() => limiter.take('key_a')).not.toThrow();
    expect(() => limiter.take('key_a')).toThrow(ApiError);
  });

  it('is off when the rate is 0', () => {
    const limiter = new RateLimiter(0, 1);
    for (let i = 0; i < 1000; i++) limiter.take('k');
  });
});
