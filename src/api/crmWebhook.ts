import { Router, type Request } from 'express';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, timestampProblem } from '../crm/hubspot/signature';
import { unauthorized } from '../errors';
import { takeHubSpotEvents } from '../services/crmWebhook';
import { HUBSPOT_WEBHOOK_PATH } from '../services/integrations';
import { readBodyBytes, type BodyLimits } from './body';
import type { ApiDeps } from './deps';
import { limitingFailures } from './route';

/**
 * HubSpot's webhook target. It has no API key: the request is HubSpot's when its v3 signature, made with a
 * connected account's client secret, matches. The timestamp is checked before a byte of the body is read,
 * the body (at most 100 events from HubSpot; room for ten times that) is read only then, and failures count
 * against the address like failed API keys.
 */
const LIMITS: BodyLimits = { bytes: 512 * 1024, values: 50_000 };

const header = (req: Request, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Where HubSpot may have sent it: the public URL the app was given, or the address this server saw. */
function urisOf(req: Request, deps: ApiDeps): string[] {
  const seen = `${req.protocol}://${req.get('host') ?? ''}${req.originalUrl}`;
  const configured = `${deps.config.PUBLIC_API_URL.replace(/\/$/, '')}${req.originalUrl}`;
  return [...new Set([configured, seen])];
}

export function crmWebhookRouter(deps: ApiDeps): Router {
  const router = Router({ strict: true });
  router.post(HUBSPOT_WEBHOOK_PATH, async (req, res, next) => {
    try {
      const result = await limitingFailures(req, deps, async () => {
        const timestamp = header(req, TIMESTAMP_HEADER);
        const signature = header(req, SIGNATURE_HEADER);
        const early = timestampProblem(timestamp, Date.now());
        if (early === 'stale') throw unauthorized('X-HubSpot-Request-Timestamp is more than 5 minutes away from now: the request is refused as a replay');
        if (early || !signature) throw unauthorized('X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp are required');
        const body = await readBodyBytes(req, LIMITS, { decode: false });
        return takeHubSpotEvents(deps, { method: req.method, uris: urisOf(req, deps), body, signature, timestamp });
      });
      res.status(200).json(result);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
