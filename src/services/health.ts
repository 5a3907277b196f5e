import { ping } from '../db/knex';
import type { ServiceDeps } from './deps';

/** How long readiness waits for each dependency: a probe must answer fast, not hang with a dead database. */
const POSTGRES_PROBE_MS = 2000;
const TEMPORAL_PROBE_MS = 2000;

async function check(fn: () => Promise<unknown>, timeoutMs: number): Promise<'ok' | string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return 'ok';
  } catch (err) {
    return (err as Error).message.split('\n')[0]!.slice(0, 200);
  } finally {
    clearTimeout(timer);
  }
}

export interface Readiness {
  ready: boolean;
  checks: { postgres: string; temporal: string };
  /** Set while the process finishes its requests before it stops. */
  draining?: boolean;
}

/**
 * Whether this process can serve: Postgres answers (every request needs it, and a lead is always taken in
 * while it does). Temporal is reported but does not decide: every replica shares the one Temporal, so a
 * Temporal blip taking them all out of rotation at once would refuse the leads they could still store; the
 * routes that need Temporal answer 503 meanwhile. A process that is shutting down is not ready.
 */
export async function readiness(deps: Pick<ServiceDeps, 'db' | 'temporal'>, draining = false): Promise<Readiness> {
  const [postgres, temporal] = await Promise.all([
    check(() => ping(deps.db), POSTGRES_PROBE_MS),
    check(() => deps.temporal.ping(TEMPORAL_PROBE_MS), TEMPORAL_PROBE_MS + 500),
  ]);
  return { ready: postgres === 'ok' && !draining, checks: { postgres, temporal }, ...(draining ? { draining: true } : {}) };
}
