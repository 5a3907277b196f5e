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
}

/** Whether Postgres and Temporal both answer now, and if not, what each said. */
export async function readiness(deps: Pick<ServiceDeps, 'db' | 'temporal'>): Promise<Readiness> {
  const [postgres, temporal] = await Promise.all([
    check(() => ping(deps.db), POSTGRES_PROBE_MS),
    check(() => deps.temporal.ping(TEMPORAL_PROBE_MS), TEMPORAL_PROBE_MS + 500),
  ]);
  return { ready: postgres === 'ok' && temporal === 'ok', checks: { postgres, temporal } };
}
