import { Router } from 'express';
import { ping } from '../../db/knex';
import type { ApiDeps } from '../deps';

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

export function healthRouter(deps: ApiDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [postgres, temporal] = await Promise.all([
      check(() => ping(deps.db), 2000),
      check(() => deps.temporal.ping(2000), 2500),
    ]);
    const ready = postgres === 'ok' && temporal === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable', checks: { postgres, temporal } });
  });
  return router;
}
