import { verifyV3, type SignatureProblem } from '../crm/hubspot/signature';
import { openText, parseKeyring } from '../crypto/keyring';
import { connectionsByAccount } from '../db/crmConnections';
import { insertCrmEvents, type NewCrmEvent } from '../db/crmEvents';
import { fromZod, unauthorized } from '../errors';
import { newId } from '../ids';
import { HubSpotWebhookBody, type HubSpotWebhookEvent } from '../schemas/integrations';
import type { ServiceDeps } from './deps';

/**
 * HubSpot's webhook requests: signed by the app (v3), naming their account (portalId) in each event. Nothing
 * is written unless every account the request names is connected here and its client secret signed the
 * request; then the events are stored (each once) for the worker, and HubSpot gets its 200 at once.
 */
export interface SignedRequest {
  method: string;
  /** The URIs HubSpot may have signed: the public URL it was given, and the one this server was reached at. */
  uris: string[];
  body: Buffer;
  signature: string | undefined;
  timestamp: string | undefined;
}

const KINDS: Record<string, NewCrmEvent['kind']> = { 'contact.creation': 'created', 'contact.propertyChange': 'changed' };

/** Why a request is refused, in words that do not say whether an account is connected here. */
const REFUSED: Record<SignatureProblem | 'unknown', string> = {
  missing: 'X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp are required',
  stale: 'X-HubSpot-Request-Timestamp is more than 5 minutes away from now: the request is refused as a replay',
  mismatch: 'The HubSpot signature does not match this request',
  unknown: 'The HubSpot signature does not match this request',
};

function portalsOf(body: Buffer): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw unauthorized(REFUSED.mismatch);
  }
  if (!Array.isArray(parsed) || !parsed.length) throw unauthorized(REFUSED.mismatch);
  const portals = new Set<string>();
  for (const e of parsed) {
    const id = (e as { portalId?: unknown } | null)?.portalId;
    if ((typeof id !== 'number' && typeof id !== 'string') || !/^\d{1,20}$/.test(String(id))) throw unauthorized(REFUSED.mismatch);
    portals.add(String(id));
  }
  return [...portals];
}

function eventOf(orgByPortal: Map<string, string>, e: HubSpotWebhookEvent): NewCrmEvent | null {
  const kind = KINDS[e.subscriptionType];
  if (!kind || (kind === 'changed' && !e.propertyName)) return null;
  return { org_id: orgByPortal.get(e.portalId)!, event_key: e.eventId, kind, object_id: e.objectId, property: e.propertyName ?? null };
}

export async function takeHubSpotEvents(deps: Pick<ServiceDeps, 'db' | 'config'>, req: SignedRequest): Promise<{ received: number; duplicates: number }> {
  const portals = portalsOf(req.body);
  const connections = await connectionsByAccount(deps.db, 'hubspot', portals);
  if (connections.length !== portals.length || !deps.config.ENCRYPTION_KEYS) throw unauthorized(REFUSED.unknown);
  const ring = parseKeyring(deps.config.ENCRYPTION_KEYS);
  for (const c of connections) {
    const { client_secret } = JSON.parse(openText(ring, c.secrets)) as { client_secret: string };
    const problem = verifyV3(client_secret, req, Date.now());
    if (problem) throw unauthorized(REFUSED[problem]);
  }
  const parsed = HubSpotWebhookBody.safeParse(JSON.parse(req.body.toString('utf8')));
  if (!parsed.success) throw fromZod(parsed.error, 'HubSpot events');
  const orgByPortal = new Map(connections.map((c) => [c.account_id, c.org_id]));
  const events = parsed.data.flatMap((e) => eventOf(orgByPortal, e) ?? []);
  const received = await insertCrmEvents(deps.db, 'hubspot', deps.config.TEMPORAL_TASK_QUEUE, newId('crmBatch'), events);
  return { received, duplicates: events.length - received };
}
