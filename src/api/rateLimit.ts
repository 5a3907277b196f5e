import { ApiError } from '../errors';

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token bucket per API key, in process memory: each API instance enforces the limit on its own, so N
 * replicas allow up to N times the rate. That is the usual trade for not putting a network hop on every call.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.perSecond > 0;
  }

  /** Throws 429 with Retry-After when the key has no token left. */
  take(key: string): void {
    if (!this.enabled) return;
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      const retryAfter = Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
      throw new ApiError(429, 'RATE_LIMITED', `Rate limit of ${this.perSecond} requests per second exceeded`, undefined, {
        'Retry-After': String(retryAfter),
      });
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) this.sweep(t);
  }

  private sweep(t: number): void {
    const full = (this.burst / this.perSecond) * 1000;
    for (const [k, b] of this.buckets) if (t - b.at > full) this.buckets.delete(k);
  }
}
