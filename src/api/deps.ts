import type { ServiceDeps } from '../services/deps';
import type { RateLimits } from './rateLimit';

export interface ApiDeps extends ServiceDeps {
  limits: RateLimits;
}
