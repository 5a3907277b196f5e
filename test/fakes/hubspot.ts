import express, { type Request, type Response } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { BatchReadResponse, CrmObject, OwnersPage, TokenResponse } from '../../src/crm/hubspot/contract';
import { signV3 } from '../../src/crm/hubspot/signature';

/**
 * A fake HubSpot, written from HubSpot's public documentation, serving the endpoints Routeswit calls (their
 * shapes are src/crm/hubspot/contract.ts): owners (paged with `after`), contacts and companies batch read,
 * contact read and update, and the OAuth token endpoint. It behaves as HubSpot does where Routeswit must cope:
 * access tokens expire (401), the ten-second rolling budget answers 429 with HubSpot's rate-limit headers,
 * an outage answers 503, a deleted contact is 404. It signs webhook requests as HubSpot does (v3).
 */
export interface FakeHubSpotOptions {
  /** Requests per 10 s per account before 429 (HubSpot's budget for the app). */
  rateLimit?: number;
  /** Seconds an OAuth access token lives. */
  tokenSeconds?: number;
}

export interface LoggedRequest {
  at: number;
  method: string;
  path: string;
  status: number;
}

type Props = Record<string, string | null>;

const WINDOW_MS = 10_000;

/** One HubSpot account (portal) with its app's credentials and its CRM data. */
function newPortal(nextId: () => string) {
  const portalId = String(10_000_000 + Math.floor(Math.random() * 80_000_000));
  return {
    portalId,
    clientId: `client-${randomBytes(4).toString('hex')}`,
    clientSecret: `secret-${randomBytes(16).toString('hex')}`,
    privateToken: `pat-na1-${randomBytes(16).toString('hex')}`,
    refreshToken: `refresh-${randomBytes(16).toString('hex')}`,
    owners: [] as Array<{ id: string; email: string; firstName: string; lastName: string; userId: number; archived: boolean }>,
    contacts: new Map<string, Props>(),
    companies: new Map<string, Props>(),
    writes: [] as Array<{ at: number; contactId: string; properties: Record<string, string> }>,
    log: [] as LoggedRequest[],
    /** Access tokens the token endpoint gave out. */
    issued: [] as string[],
    state: {
      /** While true, every request is answered 503 (an outage). */
      down: false,
      /** The next requests answered 429 with these headers, whatever the budget says. */
      forced429: [] as Array<Record<string, string>>,
      /** Requests refused because the budget was spent: Routeswit's limiter should keep this at 0. */
      overBudget: 0,
    },
    nextId,
  };
}
type Portal = ReturnType<typeof newPortal>;

export async function startFakeHubSpot(o: FakeHubSpotOptions = {}) {
  const rateLimit = o.rateLimit ?? 100;
  const portals = new Map<string, Portal>();
  /** Access token → its portal and when it expires. */
  const tokens = new Map<string, { portal: Portal; until: number }>();
  let counter = 1000;
  const nextId = () => String(counter++);
  let nextEventId = 1;

  const app = express();
  app.use(express.json({ limit: '5mb' }));
  app.use(express.urlencoded({ extended: false }));

  const error = (res: Response, status: number, category: string, message: string, headers: Record<string, string> = {}) => {
    res.set(headers).status(status).json({ status: 'error', message, category, correlationId: randomBytes(8).toString('hex') });
  };
  const portalOf = (res: Response) => res.locals.portal as Portal;

  // Which account a request is for: its token's, or (the token endpoint) its client id's.
  app.use((req, res, next) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const clientId = (req.body as Record<string, string> | undefined)?.client_id;
    const portal = token ? tokens.get(token)?.portal : [...portals.values()].find((p) => p.clientId === clientId);
    if (!portal) return error(res, 401, 'INVALID_AUTHENTICATION', 'Authentication credentials not found.');
    res.locals.portal = portal;
    next();
  });

  // Every request of an account: logged; an outage, a forced 429 or a spent budget answer before anything else.
  app.use((req, res, next) => {
    const p = portalOf(res);
    const now = Date.now();
    const used = p.log.filter((r) => r.at > now - WINDOW_MS).length;
    const entry: LoggedRequest = { at: now, method: req.method, path: req.path, status: 0 };
    p.log.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    if (p.state.down) return error(res, 503, 'SERVICE_UNAVAILABLE', 'HubSpot is unavailable');
    const forced = p.state.forced429.shift();
    if (forced) return error(res, 429, 'RATE_LIMITS', 'You have reached your secondly limit.', forced);
    if (used >= rateLimit) {
      p.state.overBudget++;
      const headers = { 'X-HubSpot-RateLimit-Max': String(rateLimit), 'X-HubSpot-RateLimit-Remaining': '0', 'X-HubSpot-RateLimit-Interval-Milliseconds': String(WINDOW_MS) };
      return error(res, 429, 'RATE_LIMITS', 'You have reached your ten_secondly_rolling limit.', headers);
    }
    next();
  });

  app.post('/oauth/v1/token', (req, res) => {
    const p = portalOf(res);
    const b = req.body as Record<string, string>;
    if (b.grant_type !== 'refresh_token' || b.client_secret !== p.clientSecret || b.refresh_token !== p.refreshToken) {
      return error(res, 400, 'BAD_REFRESH_TOKEN', 'missing or unknown refresh token');
    }
    const token = `access-${randomBytes(16).toString('hex')}`;
    const seconds = o.tokenSeconds ?? 1800;
    tokens.set(token, { portal: p, until: Date.now() + seconds * 1000 });
    p.issued.push(token);
    const body: TokenResponse = { access_token: token, refresh_token: p.refreshToken, expires_in: seconds, token_type: 'bearer' };
    res.json(body);
  });

  // Everything under /crm needs a token that has not expired.
  app.use('/crm', (req, res, next) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || tokens.get(token)!.until < Date.now()) return error(res, 401, 'EXPIRED_AUTHENTICATION', 'The OAuth token used to make this call expired.');
    next();
  });

  app.get('/crm/v3/owners', (req, res) => {
    const owners = portalOf(res).owners.filter((x) => req.query.archived === 'true' || !x.archived);
    const limit = Math.min(Number(req.query.limit ?? 100), 500);
    const after = Number(req.query.after ?? 0);
    const body: OwnersPage = { results: owners.slice(after, after + limit), ...(after + limit < owners.length ? { paging: { next: { after: String(after + limit) } } } : {}) };
    res.json(body);
  });

  const object = (id: string, props: Props, asked: string[]): CrmObject => ({ id, properties: Object.fromEntries(asked.map((p) => [p, props[p] ?? null])), archived: false });
  const batchRead = (which: 'contacts' | 'companies') => (req: Request, res: Response) => {
    const store = portalOf(res)[which];
    const { properties = [], inputs = [] } = req.body as { properties?: string[]; inputs?: Array<{ id: string }> };
    if (inputs.length > 100) return error(res, 400, 'VALIDATION_ERROR', 'at most 100 inputs');
    const missing = inputs.filter((i) => !store.has(i.id)).map((i) => i.id);
    const body: BatchReadResponse = {
      status: 'COMPLETE',
      results: inputs.filter((i) => store.has(i.id)).map((i) => object(i.id, store.get(i.id)!, properties)),
      ...(missing.length ? { errors: [{ category: 'OBJECT_NOT_FOUND', message: 'Could not get some objects', context: { ids: missing } }] } : {}),
    };
    res.status(missing.length ? 207 : 200).json(body);
  };
  app.post('/crm/v3/objects/contacts/batch/read', batchRead('contacts'));
  app.post('/crm/v3/objects/companies/batch/read', batchRead('companies'));

  app.get('/crm/v3/objects/contacts/:id', (req, res) => {
    const props = portalOf(res).contacts.get(req.params.id!);
    if (!props) return error(res, 404, 'OBJECT_NOT_FOUND', 'resource not found');
    res.json(object(req.params.id!, props, String(req.query.properties ?? '').split(',').filter(Boolean)));
  });

  app.patch('/crm/v3/objects/contacts/:id', (req, res) => {
    const p = portalOf(res);
    const props = p.contacts.get(req.params.id!);
    if (!props) return error(res, 404, 'OBJECT_NOT_FOUND', 'resource not found');
    const properties = (req.body as { properties?: Record<string, string> }).properties ?? {};
    Object.assign(props, properties);
    p.writes.push({ at: Date.now(), contactId: req.params.id!, properties });
    res.json(object(req.params.id!, props, Object.keys(properties)));
  });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** A new HubSpot account, with the methods a test drives it by. */
  function portal() {
    const p = newPortal(nextId);
    portals.set(p.portalId, p);
    tokens.set(p.privateToken, { portal: p, until: Number.POSITIVE_INFINITY });
    /** An event as HubSpot sends it. */
    const event = (objectId: string, subscriptionType: string, extra: Record<string, unknown> = {}) => ({
      eventId: nextEventId++,
      subscriptionId: 4242,
      portalId: Number(p.portalId),
      appId: 777,
      occurredAt: Date.now(),
      subscriptionType,
      attemptNumber: 0,
      objectId: Number(objectId),
      changeSource: 'CRM_UI',
      ...extra,
    });
    return {
      ...p,
      addOwner(email: string, name = email.split('@')[0]!) {
        const id = nextId();
        p.owners.push({ id, email, firstName: name, lastName: 'Owner', userId: Number(nextId()), archived: false });
        return id;
      },
      addCompany(props: Props) {
        const id = nextId();
        p.companies.set(id, props);
        return id;
      },
      /** Creates a contact: its id and the contact.creation event HubSpot would send. */
      createContact(props: Props) {
        const id = nextId();
        p.contacts.set(id, { ...props });
        return { id, event: event(id, 'contact.creation') };
      },
      changeContact(id: string, property: string, value: string) {
        p.contacts.get(id)![property] = value;
        return event(id, 'contact.propertyChange', { propertyName: property, propertyValue: value });
      },
      /** Ends the life of every OAuth access token of this account now (the next call with one is 401). */
      expireTokens() {
        for (const t of tokens.values()) if (t.portal === p && t.until !== Number.POSITIVE_INFINITY) t.until = 0;
      },
      /** The most requests this account saw in any 10-second window. */
      maxPerWindow(): number {
        let best = 0;
        for (let i = 0, j = 0; j < p.log.length; j++) {
          while (p.log[j]!.at - p.log[i]!.at >= WINDOW_MS) i++;
          best = Math.max(best, j - i + 1);
        }
        return best;
      },
      /** Sends events to `target` as HubSpot does: a JSON array, with the v3 signature and timestamp headers. */
      async sendWebhook(target: string, events: unknown[], opts: { secret?: string; timestamp?: number } = {}) {
        const body = JSON.stringify(events);
        const timestamp = String(opts.timestamp ?? Date.now());
        const signature = signV3(opts.secret ?? p.clientSecret, 'POST', target, body, timestamp);
        const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp }, body });
        return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> | null };
      },
    };
  }

  return { url, portal, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
export type FakeHubSpot = Awaited<ReturnType<typeof startFakeHubSpot>>;
export type FakePortal = ReturnType<FakeHubSpot['portal']>;
