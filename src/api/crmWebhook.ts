import { Router, type Request } from 'express';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, timestampProblem } from '../crm/hubspot/signature';
import { unauthorized } from '../errors';
import { takeHubSpotEvents } from '../services/crmWebhook';
import { ackXml, faultXml, OutboundMessageProblem } from '../crm/salesforce/outboundMessage';
import { SALESFORCE_OUTBOUND_PATH } from '../services/salesforce';
import { outboundConnection, takeOutboundMessage } from '../services/salesforceIntake';
import { ApiError } from '../errors';
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
  // Salesforce waits for a SOAP answer: the Ack, or a fault (then it sends the message again later).
  const OUTBOUND_LIMITS: BodyLimits = { bytes: 1024 * 1024, values: 1_000_000 };
  router.post(SALESFORCE_OUTBOUND_PATH, async (req, res) => {
    const soap = (status: number, xml: string) => res.status(status).type('text/xml; charset=utf-8').send(xml);
    try {
      const token = typeof req.query.token === 'string' ? req.query.token : undefined;
      await limitingFailures(req, deps, async () => {
        const connection = await outboundConnection(deps, token);
        const body = await readBodyBytes(req, OUTBOUND_LIMITS, { decode: false });
        return takeOutboundMessage(deps, connection, body.toString('utf8'));
      });
      soap(200, ackXml());
    } catch (err) {
      if (err instanceof OutboundMessageProblem) return soap(422, faultXml('Client', `Not an outbound message Routeswit can take: ${err.message}`));
      if (err instanceof ApiError) return soap(err.status, faultXml(err.status >= 500 ? 'Server' : 'Client', err.message));
      deps.logger.error({ err }, 'a Salesforce outbound message could not be taken in');
      return soap(503, faultXml('Server', 'The message could not be stored now; Salesforce will send it again'));
    }
  });
  return router;
}
