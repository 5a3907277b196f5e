import type { ServiceDeps } from '../services/deps';
import type { RateLimits } from './rateLimit';

export interface ApiDeps extends ServiceDeps {
  limits: RateLimits;
  /** Set by the process that serves the app (main.ts): readiness says "not ready" while it drains. */
  lifecycle?: { draining: boolean };
}
