import type { Config } from '../config';
import { ApiError } from '../errors';

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets in process memory: each API instance enforces its limits on its own, so N replicas allow up
 * to N times the rate. That is the usual trade for not putting a network hop on every call.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
    private readonly what = `Rate limit of ${perSecond} requests per second exceeded`,
  ) {}

  get enabled(): boolean {
    return this.perSecond > 0;
  }

  private refilled(key: string): Bucket {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) this.sweep(t);
    return b;
  }

  /** Throws 429 with Retry-After when `key` has no token left; takes nothing. */
  check(key: string): void {
    if (!this.enabled) return;
    const b = this.refilled(key);
    if (b.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
      throw new ApiError(429, 'RATE_LIMITED', this.what, undefined, { 'Retry-After': String(retryAfter) });
    }
  }

  /** Takes a token: throws 429 (see check) when there is none. */
  take(key: string): void {
    this.check(key);
    this.spend(key);
  }

  /** Takes a token if there is one, never throwing: for counting failures after the fact. */
  spend(key: string): void {
    if (!this.enabled) return;
    const b = this.refilled(key);
    b.tokens = Math.max(0, b.tokens - 1);
  }

  private sweep(t: number): void {
    const full = (this.burst / this.perSecond) * 1000;
    for (const [k, b] of this.buckets) if (t - b.at > full) this.buckets.delete(k);
  }
}

export interface RateLimits {
  /** Requests per API key. */
  perKey: RateLimiter;
  /** Failed authentications per client address: checked before any key is looked up. */
  authFailures: RateLimiter;
}

export function createRateLimits(config: Pick<Config, 'RATE_LIMIT_PER_SECOND' | 'RATE_LIMIT_BURST' | 'AUTH_FAILURES_PER_MINUTE'>): RateLimits {
  const failures = config.AUTH_FAILURES_PER_MINUTE;
  return {
    perKey: new RateLimiter(config.RATE_LIMIT_PER_SECOND, config.RATE_LIMIT_BURST),
    authFailures: new RateLimiter(failures / 60, Math.max(1, failures), Date.now, `Too many failed authentications from this address (limit ${failures} a minute)`),
  };
}
