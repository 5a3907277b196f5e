import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ErrorBody } from '../schemas/common';
import { HubSpotWebhookBody, WebhookAccepted } from '../schemas/integrations';
import { InvitationAccept, Session, SignIn } from '../schemas/users';
import { ACCEPT_INVITATION_PATH, SESSION_PATH } from './session';
import { SESSION_COOKIE } from '../services/sessions';
import { IDEMPOTENCY_KEY_RE } from './idempotency';
import { correctShapes } from './openapiShapes';
import { openApiPath, type AnyRoute } from './route';
import { readScopeOf, WriteReceipt } from './receipt';

const ERRORS: Record<number, { name: string; description: string }> = {
  401: { name: 'Unauthorized', description: 'Missing, malformed, unknown or revoked API key, or a console session that has ended' },
  403: { name: 'Forbidden', description: "The key or the person's role lacks the scope, a console change without its X-CSRF-Token, or plain HTTP where HTTPS is required" },
  404: { name: 'NotFound', description: 'No such object in this organization' },
  409: { name: 'Conflict', description: 'Idempotency-Key reused with a different body, or an illegal state change' },
  413: { name: 'PayloadTooLarge', description: 'Body over the route\'s limit (1 MB; 8 MB for PUT /v1/lists/{name}), after decompression' },
  422: { name: 'ValidationError', description: 'Invalid body, query, header or JSON syntax; `details` names each bad field' },
  429: { name: 'RateLimited', description: 'Over the per-key rate limit, or too many failed authentications from this address; see Retry-After' },
  500: { name: 'ServerError', description: 'Unexpected error, logged with the request id' },
  503: { name: 'ServiceUnavailable', description: 'Temporal did not answer in time; nothing was changed, retry (see Retry-After)' },
};

const TAGS = [
  { name: 'Leads', description: 'Ingest leads, read their routing decision and timeline, reassign and close them' },
  { name: 'Reps', description: 'Sales representatives: teams, capacity, working hours, availability, notification preferences' },
  { name: 'Rulesets', description: 'The rules that decide who gets a lead: drafts, publication, simulation' },
  { name: 'Contacts', description: 'People behind leads, and their activities (a first touch stops the SLA clock)' },
  { name: 'Calendars', description: 'Holidays and half days for the organization, teams and reps: working hours and business-hours SLAs skip them' },
  { name: 'Backtests', description: 'What a ruleset would have done with past leads, rep by rep, before you publish it' },
  { name: 'Lists', description: 'Named value lists (territories) that conditions use with in_list, published with the ruleset that uses them' },
  { name: 'Accounts', description: 'Companies by domain and the reps who own them (sticky ownership for OWNER routing)' },
  { name: 'Intelligence', description: 'Routing performance, SLA monitors, alerts and digests' },
  { name: 'Webhooks', description: 'Signed event deliveries to your endpoints' },
  { name: 'Organization', description: 'Settings: time zone, escalation contacts, email and Slack' },
  { name: 'Notifications', description: 'What was sent to reps and managers, by email and Slack' },
  { name: 'Integrations', description: 'CRM connections (HubSpot): leads in from the CRM, owners written back, owners mapped to reps' },
  { name: 'Users', description: 'People who sign in to the console, their roles and invitations' },
  { name: 'Sessions', description: 'Signing in to the console and out, and accepting an invitation: no key needed' },
  { name: 'API keys', description: 'Secret and restricted keys' },
  { name: 'Audit', description: 'Who changed the configuration, and how' },
  { name: 'Privacy', description: 'Forgetting a person on request (GDPR article 17, CCPA)' },
  { name: 'Health', description: 'Probes and this document; no key needed' },
];

type HeaderName = 'X-Request-Id' | 'Retry-After' | 'Link' | 'Idempotent-Replayed' | 'Idempotent-Replay-Kept';
const HEADERS: Record<HeaderName, { description: string; schema: { type: 'string'; pattern?: string; enum?: string[] } }> = {
  'X-Request-Id': {
    description: "The request's id, in every log line about it: the caller's own X-Request-Id when it sent one of 1-128 letters, digits, '.', '_', ':' or '-', else a new one. Quote it when asking about a request",
    schema: { type: 'string' },
  },
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'string', pattern: '^[0-9]+$' } },
  Link: { description: 'The next page, when there is one: `</v1/…?cursor=…>; rel="next"`', schema: { type: 'string' } },
  'Idempotent-Replayed': { description: '`true` when this is the stored response to an earlier request with the same Idempotency-Key', schema: { type: 'string', enum: ['true'] } },
  'Idempotent-Replay-Kept': {
    description: '`false` when the request had an Idempotency-Key but this answer is larger than the 256 KB kept for replays: a retry with the same key gets 409 (the request is not done twice)',
    schema: { type: 'string', enum: ['false'] },
  },
};
const headers = (...names: HeaderName[]) => Object.fromEntries(names.map((n) => [n, { $ref: `#/components/headers/${n}` }]));
const errorRef = (status: number) => ({ $ref: `#/components/responses/${ERRORS[status]!.name}` });

/** Shared pieces every operation refers to, so the document states each once. */
function registerShared(registry: OpenAPIRegistry): void {
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A secret (sk_live_…) or restricted (rk_live_…) API key',
  });
  registry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: "A person's console session (POST /v1/session sets it; HttpOnly). Requests that change something also send the session's csrf_token as X-CSRF-Token; a role's scopes decide as a key's do",
  });
  registry.registerComponent('securitySchemes', 'salesforceOutboundToken', {
    type: 'apiKey',
    in: 'query',
    name: 'token',
    description: "The token in a Salesforce connection's outbound_message_url (shown once when made)",
  });
  registry.registerComponent('securitySchemes', 'hubspotSignature', {
    type: 'apiKey',
    in: 'header',
    name: 'X-HubSpot-Signature-v3',
    description: "HubSpot's v3 request signature (with X-HubSpot-Request-Timestamp), made with a connected app's client secret",
  });
  for (const [name, header] of Object.entries(HEADERS)) registry.registerComponent('headers', name, header);
  // Error responses are shared components, so the Error schema is registered as JSON Schema (zod writes it).
  const { $defs } = z.toJSONSchema(ErrorBody) as unknown as { $defs: { Error: Parameters<OpenAPIRegistry['registerComponent']>[2] } };
  registry.registerComponent('schemas', 'Error', $defs.Error);
  for (const [status, e] of Object.entries(ERRORS)) {
    const retry = status === '429' || status === '503';
    registry.registerComponent('responses', e.name, {
      description: e.description,
      headers: headers('X-Request-Id', ...(retry ? (['Retry-After'] as const) : [])),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    });
  }
}

const IdempotencyHeader = z.object({
  'Idempotency-Key': z
    .string()
    .regex(IDEMPOTENCY_KEY_RE)
    .optional()
    .meta({ description: 'Replays the first response for a retried request with the same body; 409 with a different body. 1–255 printable ASCII characters, no spaces' }),
});

/** A write answers a key that cannot read the resource with a receipt (receipt.ts): the document says both. */
function responseSchema(r: Exclude<AnyRoute, { stream: true }>): z.ZodType {
  if (r.list) return z.array(r.response);
  return readScopeOf(r.scope) ? z.union([r.response, WriteReceipt]) : r.response;
}

function registerRoute(registry: OpenAPIRegistry, r: AnyRoute): void {
  const readScope = 'stream' in r ? null : readScopeOf(r.scope);
  const statuses = new Set([401, 403, 422, 429, 500, ...(r.params ? [404] : []), ...(r.method === 'post' ? [409] : []), ...(r.errors ?? [])]);
  if (r.body) statuses.add(413);
  registry.registerPath({
    method: r.method,
    path: openApiPath(r.path),
    operationId: r.operationId,
    tags: [r.tag],
    summary: r.summary,
    description: [
      r.description,
      r.alsoChecked ? `Also checked, with 422 when not met:\n${r.alsoChecked.map((c) => `- ${c}`).join('\n')}` : undefined,
      `Required scope: \`${r.scope}\`.` + (readScope ? ` A key without \`${readScope}\` gets a \`WriteReceipt\`: the id, status and the fields it sent.` : ''),
    ]
      .filter(Boolean)
      .join('\n\n'),
    security: [{ bearer: [] }, { session: [] }],
    request: {
      ...(r.params ? { params: r.params } : {}),
      ...(r.query ? { query: r.query } : {}),
      ...(r.method === 'post' ? { headers: IdempotencyHeader } : {}),
      ...(r.body ? { body: { required: true, content: { 'application/json': { schema: r.body } } } } : {}),
    },
    responses: {
      200: {
        description: r.list ? 'A page of results; the next page is in the Link header (rel="next")' : 'OK',
        headers: headers('X-Request-Id', ...(r.list ? (['Link'] as const) : []), ...(r.method === 'post' ? (['Idempotent-Replayed', 'Idempotent-Replay-Kept'] as const) : [])),
        content:
          'stream' in r
            ? Object.fromEntries(Object.entries(r.produces).map(([type, description]) => [type, { schema: z.string().meta({ description }) }]))
            : { 'application/json': { schema: responseSchema(r) } },
      },
      ...Object.fromEntries([...statuses].sort().map((s) => [s, errorRef(s)])),
    },
  });
}

const Readiness = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.object({ postgres: z.string(), temporal: z.string() }).meta({ description: '"ok", or what the dependency said' }),
});

/** The routes outside /v1 that need no key: probes and the document itself. */
function registerPublic(registry: OpenAPIRegistry): void {
  const json = (description: string, schema: z.ZodType): ResponseConfig => ({ description, headers: headers('X-Request-Id'), content: { 'application/json': { schema } } });
  const common = { tags: ['Health'], security: [] };
  registry.registerPath({ ...common, method: 'get', path: '/healthz', operationId: 'health', summary: 'The process is up', responses: { 200: json('Up', z.object({ status: z.literal('ok') })) } });
  registry.registerPath({
    ...common,
    method: 'get',
    path: '/readyz',
    operationId: 'readiness',
    summary: 'Ready to take requests: Postgres answers and the process is not draining',
    responses: { 200: json('Ready', Readiness), 503: json('Not ready: Postgres did not answer (`checks` says how) or the process is stopping (`draining`). `checks.temporal` is reported but does not decide: leads wait in Postgres while Temporal is away', Readiness) },
  });
  registry.registerPath({
    ...common,
    method: 'get',
    path: '/v1/openapi.json',
    operationId: 'openApiDocument',
    summary: 'This OpenAPI document',
    responses: { 200: json('The document', z.record(z.string(), z.unknown())), 403: errorRef(403) },
  });
}

/** The console's sign-in: a person's email and password (or an invitation) for a session cookie. */
function registerSessions(registry: OpenAPIRegistry): void {
  const session = (description: string): ResponseConfig => ({
    description,
    headers: { ...headers('X-Request-Id'), 'Set-Cookie': { description: 'routeswit_session: HttpOnly; Secure; SameSite=Lax', schema: { type: 'string' } } },
    content: { 'application/json': { schema: Session } },
  });
  const body = (schema: z.ZodType) => ({ body: { required: true, content: { 'application/json': { schema } } } });
  const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((st) => [st, errorRef(st)]));
  const common = { tags: ['Sessions'], security: [] };
  registry.registerPath({
    ...common,
    method: 'post',
    path: SESSION_PATH,
    operationId: 'signIn',
    summary: 'Sign in with email and password: sets the session cookie',
    description: `Wrong email and wrong password read the same (401). SIGN_IN_MAX_FAILURES wrong passwords in a row (default 5) lock the account for SIGN_IN_LOCK_MINUTES (default 15): 429 with Retry-After. Sessions end after SESSION_IDLE_MINUTES idle (30) and SESSION_MAX_HOURS (12).`,
    request: body(SignIn),
    responses: { 200: session('Signed in'), ...errors(401, 413, 422, 429, 500) },
  });
  registry.registerPath({ ...common, method: 'get', path: SESSION_PATH, operationId: 'getSession', summary: 'The signed-in person, their scopes and the CSRF token', responses: { 200: session('The session'), ...errors(401, 429, 500) } });
  registry.registerPath({
    ...common,
    method: 'delete',
    path: SESSION_PATH,
    operationId: 'signOut',
    summary: 'Sign out: the session ends at once (send X-CSRF-Token)',
    responses: { 200: { description: 'Signed out (also when no session was open)', headers: headers('X-Request-Id'), content: { 'application/json': { schema: z.object({ signed_out: z.literal(true) }) } } }, ...errors(403, 500) },
  });
  registry.registerPath({
    ...common,
    method: 'post',
    path: ACCEPT_INVITATION_PATH,
    operationId: 'acceptInvitation',
    summary: "Accept an invitation: the token from the link, the person's name and password; signs them in",
    description: 'An unknown, used or expired token is 404; the link works once.',
    request: body(InvitationAccept),
    responses: { 200: session('The new user, signed in'), ...errors(404, 409, 413, 422, 429, 500) },
  });
}

/** HubSpot's webhook target: no API key, HubSpot's signature instead. */
function registerCrmWebhooks(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/v1/integrations/hubspot/webhook',
    operationId: 'hubSpotWebhook',
    tags: ['Integrations'],
    summary: "HubSpot's webhook events (contact.creation, contact.propertyChange): taken in at once, handled by the worker",
    description:
      'Give this URL to the HubSpot app\'s webhook subscriptions. The request must carry `X-HubSpot-Signature-v3` (base64 HMAC-SHA256 with the app\'s client secret over method, URI, body and timestamp) and ' +
      '`X-HubSpot-Request-Timestamp` at most 5 minutes old, and every `portalId` in it must be connected; otherwise 401 and nothing is written. Each event (by `eventId`) is taken once, however often HubSpot sends it.',
    security: [{ hubspotSignature: [] }],
    request: {
      headers: z.object({ 'X-HubSpot-Request-Timestamp': z.string().regex(/^\d{1,16}$/).meta({ description: 'Milliseconds since the epoch, when HubSpot sent the request' }) }),
      body: { required: true, content: { 'application/json': { schema: HubSpotWebhookBody } } },
    },
    responses: {
      200: { description: 'Taken in', headers: headers('X-Request-Id'), content: { 'application/json': { schema: WebhookAccepted } } },
      ...Object.fromEntries([401, 413, 422, 429, 500].map((st) => [st, errorRef(st)])),
    },
  });
}

/** Salesforce's outbound messages: SOAP in, SOAP out; the token in the URL is the credential. */
function registerSalesforceOutbound(registry: OpenAPIRegistry): void {
  const soap = (description: string) => ({ description, headers: headers('X-Request-Id'), content: { 'text/xml': { schema: z.string().meta({ description: 'A SOAP 1.1 envelope' }) } } });
  registry.registerPath({
    method: 'post',
    path: '/v1/integrations/salesforce/outbound-message',
    operationId: 'salesforceOutboundMessage',
    tags: ['Integrations'],
    summary: "Salesforce's outbound messages on Lead create: taken in, acknowledged, routed by the worker",
    description:
      'Give the connection\'s `outbound_message_url` (with its `token`) to an outbound message on Lead. The token and the message\'s `OrganizationId` must name a connection here; ' +
      'otherwise 401 with a SOAP fault and nothing written. A message that is not a `notifications` envelope of 1 to 100 Lead notifications is 422 with a fault. ' +
      'The `Ack` comes only once the notifications are stored; each Lead id is taken once, however often Salesforce sends it.',
    security: [{ salesforceOutboundToken: [] }],
    request: { body: { required: true, content: { 'text/xml': { schema: z.string().max(1024 * 1024).meta({ description: 'The SOAP notifications envelope' }) } } } },
    responses: {
      200: soap('`<Ack>true</Ack>`: stored'),
      401: soap('A SOAP fault: the token or the OrganizationId is not a connection here'),
      413: soap('A SOAP fault: the message is over 1 MB'),
      422: soap('A SOAP fault: not an outbound message of Leads'),
      429: soap('A SOAP fault: too many refused messages from this address; wait'),
      503: soap('A SOAP fault: not stored now; Salesforce sends it again'),
    },
  });
}

export function buildOpenApi(routes: AnyRoute[]) {
  const registry = new OpenAPIRegistry();
  registerShared(registry);
  registerPublic(registry);
  registerCrmWebhooks(registry);
  registerSalesforceOutbound(registry);
  registerSessions(registry);
  for (const r of routes) registerRoute(registry, r);
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Routeswit API',
      version: '1.0.0',
      description:
        'Lead routing: ingest leads, route them to reps by rules, watch first-touch SLAs. Authenticate with `Authorization: Bearer <key>`. ' +
        'Unknown query parameters are refused with 422, as are unknown body fields and NUL (U+0000) characters in any string or key.',
      contact: { name: 'Routeswit maintainers (security reports: see SECURITY.md in the repository)' },
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/' }],
    tags: TAGS,
  });
  return correctShapes(document);
}
