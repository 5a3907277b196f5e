import { Router } from 'express';
import { readiness } from '../../services/health';
import type { ApiDeps } from '../deps';

/** Probes for load balancers and orchestrators: no key, and answered over plain HTTP too. */
export function healthRouter(deps: ApiDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const { ready, checks } = await readiness(deps, deps.lifecycle?.draining ?? false);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable', checks });
  });
  return router;
}
