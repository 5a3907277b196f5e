import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { authenticate, hasScope, type Principal } from '../services/apiKeys';
import { authenticateSession, SESSION_COOKIE } from '../services/sessions';
import { readCookie } from './cookies';
import { ApiError, forbidden, fromZod, invalid, notFound } from '../errors';
import type { Scope } from '../schemas/apiKeys';
import type { Page } from '../schemas/common';
import type { ApiDeps } from './deps';
import type { Streamed } from '../services/paging';
import { auditBefore, recordAudit } from '../services/audit';
import type { AuditAction, AuditedResource } from '../schemas/audit';
import * as idempotency from './idempotency';
import { DEFAULT_BODY_LIMITS, hasBody, readJsonBody, type BodyLimits } from './body';
import { readScopeOf, receiptOf } from './receipt';
import type { Owner as IdempotencyOwner } from '../db/idempotency';

/**
 * A route is declared once: the same object mounts the Express handler (validate → authorize → call a
 * service) and produces its OpenAPI operation, so the document cannot drift from what the server accepts.
 */
export interface RouteContext {
  principal: Principal;
  orgId: string;
  requestId: string;
  deps: ApiDeps;
  /** The request's Idempotency-Key qualified by the API key that sent it: one key's keys are not another's. */
  idempotencyKey?: string;
  /** Whether the key may also read what this route writes (else it is answered with a receipt: receipt.ts). */
  canRead: boolean;
}

type AnyObject = z.ZodType<Record<string, unknown>>;

export interface RouteInput<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  headers: Request['headers'];
}

interface RouteBase<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, R extends z.ZodType> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express syntax: /v1/reps/:id */
  path: string;
  /** The method name a generated client gives this operation (createLead, listReps). */
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  scope: Scope;
  params?: P;
  query?: Q;
  body?: B;
  /** What this route's body may be, when not the default 1 MB (body.ts). Read only after authorization. */
  bodyLimits?: BodyLimits;
  /** Validates the body with `body`'s own schema in slices, for bodies too large to check in one go. */
  parseBody?: (raw: unknown) => Promise<z.ZodSafeParseResult<z.output<B>>>;
  response: R;
  /**
   * What the server checks beyond what JSON Schema can say (references to other objects, order between
   * fields): stated in the document, and a schema-valid request failing one of them gets 422.
   */
  alsoChecked?: string[];
  /** Error statuses worth documenting beyond the ones every authenticated route has. */
  errors?: number[];
  /** Response fields shown once and never stored: an idempotent replay returns them as null. */
  secretFields?: readonly string[];
  /**
   * Answer fields a key without the read scope still receives beside id, status and what it sent: the
   * outcome of its write (`duplicate`, `created`), or the identity of an object without an id (`name`).
   */
  receipt?: readonly string[];
  /** A configuration change, recorded in the audit log with the object before and after (never its secrets). */
  /** `id`: the object's id when no path parameter names it (which CRM an integration route is about). */
  audit?: { resource: AuditedResource; action: AuditAction; id?: string };
}

export interface ObjectRoute<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, R extends z.ZodType>
  extends RouteBase<P, Q, B, R> {
  list?: false;
  handler(ctx: RouteContext, input: RouteInput<P, Q, B>): Promise<z.input<R>>;
}

export interface ListRoute<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, R extends z.ZodType>
  extends RouteBase<P, Q, B, R> {
  list: true;
  handler(ctx: RouteContext, input: RouteInput<P, Q, B>): Promise<Page<z.input<R>>>;
}

/** A route whose answer is a file (CSV, NDJSON), written as its handler produces it. */
export interface StreamRoute<P extends AnyObject, Q extends AnyObject> extends Omit<RouteBase<P, Q, z.ZodNever, z.ZodString>, 'response' | 'body'> {
  stream: true;
  body?: undefined;
  list?: false;
  /** Media types it can send, with what each holds (for the document). */
  produces: Record<string, string>;
  handler(ctx: RouteContext, input: Omit<RouteInput<P, Q, z.ZodNever>, 'body'>): Promise<Streamed>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = ObjectRoute<any, any, any, any> | ListRoute<any, any, any, any> | StreamRoute<any, any>;

export function route<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, R extends z.ZodType>(
  spec: ObjectRoute<P, Q, B, R>,
): AnyRoute {
  return spec;
}

export function streamRoute<P extends AnyObject, Q extends AnyObject>(spec: Omit<StreamRoute<P, Q>, 'stream'>): AnyRoute {
  return { ...spec, stream: true };
}

/** Writes the chunks as they come, waiting when the client reads slower than they are produced. */
async function sendStream(res: Response, out: Streamed): Promise<void> {
  res.status(200).setHeader('Content-Type', out.contentType);
  res.setHeader('Content-Disposition', `attachment; filename="${out.filename}"`);
  try {
    for await (const chunk of out.chunks) {
      if (res.destroyed) return;
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  } catch (err) {
    // Half a file must not pass for a whole one: the connection is cut, and the error logged.
    res.destroy();
    throw err;
  }
}

export function listRoute<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, R extends z.ZodType>(
  spec: Omit<ListRoute<P, Q, B, R>, 'list'>,
): AnyRoute {
  return { ...spec, list: true };
}

function parseOrThrow<T extends z.ZodType>(schema: T | undefined, value: unknown, what: string): z.output<T> {
  if (!schema) return {} as z.output<T>;
  return unwrap(schema.safeParse(value), what);
}

function unwrap<T>(parsed: z.ZodSafeParseResult<T>, what: string): T {
  if (!parsed.success) throw fromZod(parsed.error, what);
  return parsed.data;
}

/**
 * A parameter the route does not know is refused, not ignored: `GET /v1/leads?contact_id=…` answering with
 * every lead reads as "this contact's leads".
 */
function refuseUnknownQuery(schema: z.ZodType | undefined, query: Request['query']): void {
  const known = new Set(schema instanceof z.ZodObject ? Object.keys(schema.shape) : []);
  const unknown = Object.keys(query).filter((k) => !known.has(k));
  if (!unknown.length) return;
  throw invalid(`Unknown query parameter${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ').slice(0, 200)}`, unknown.slice(0, 20).map((k) => ({ path: k.slice(0, 100), message: known.size ? `not a parameter here; known: ${[...known].join(', ')}` : 'this operation takes no query parameters' })));
}

function checkContentType(req: Request): void {
  if (!hasBody(req)) return;
  const type = req.headers['content-type'] ?? '(none)';
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw invalid(`Content-Type must be application/json, got ${type.slice(0, 100)}`, [
      { path: '(body)', message: 'send JSON with Content-Type: application/json' },
    ]);
  }
}

function nextLink(req: Request, cursor: string): string {
  const url = new URL(req.originalUrl, 'http://placeholder');
  url.searchParams.set('cursor', cursor);
  return `<${url.pathname}${url.search}>; rel="next"`;
}

/**
 * An address that keeps failing authentication is refused (429) before its next key is even looked up: each
 * lookup costs a query, and nobody needs many wrong keys a minute.
 */
function authenticated(req: Request, deps: ApiDeps, authorization = req.headers.authorization): Promise<Principal> {
  // A key when one is sent; else a console session's cookie, whose changes must carry its CSRF token.
  const session = authorization === undefined ? readCookie(req, SESSION_COOKIE) : undefined;
  if (session !== undefined) return limitingFailures(req, deps, () => authenticateSession(deps, session, req.header('x-csrf-token'), !SAFE_METHODS.has(req.method)));
  return limitingFailures(req, deps, () => authenticate(deps, authorization));
}
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Runs an authentication with the per-address limit on failures around it (tenant keys, operator keys alike). */
export async function limitingFailures<T>(req: Request, deps: ApiDeps, authenticateOnce: () => Promise<T>): Promise<T> {
  const address = req.ip ?? 'unknown';
  deps.limits.authFailures.check(address);
  try {
    return await authenticateOnce();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) deps.limits.authFailures.spend(address);
    throw err;
  }
}

export function handlerFor(spec: AnyRoute, deps: ApiDeps): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const requestId = res.locals.requestId as string;
    let idem: IdempotencyOwner | undefined;
    let principal: Principal | undefined;
    try {
      principal = await authenticated(req, deps);
      res.locals.keyId = principal.keyId;
      res.locals.orgId = principal.orgId;
      deps.limits.perKey.take(principal.keyId);
      if (!hasScope(principal, spec.scope)) throw forbidden(principal.userId ? `Your role does not allow this (it needs ${spec.scope})` : `This key lacks the ${spec.scope} scope`);

      const paramsResult = spec.params ? spec.params.safeParse(req.params) : { success: true as const, data: {} };
      // A malformed id cannot name anything: that is "not found", not a validation problem.
      if (!paramsResult.success) throw notFound(spec.tag.replace(/s$/, ''));
      refuseUnknownQuery(spec.query, req.query);
      const query = parseOrThrow(spec.query, req.query, 'query');
      // The body is read only now: who may send it, and to which route, decides what reading it may cost.
      let sent: unknown;
      if (spec.body) {
        checkContentType(req);
        sent = await readJsonBody(req, spec.bodyLimits ?? DEFAULT_BODY_LIMITS);
      }

      if (spec.method === 'post') {
        const key = req.header('idempotency-key');
        if (key !== undefined) {
          const owner = { org_id: principal.orgId, api_key_id: principal.keyId, key };
          const outcome = await idempotency.begin(deps.db, owner, req.method, req.path, sent ?? null);
          if (outcome.kind === 'replay') {
            res.setHeader('Idempotent-Replayed', 'true');
            res.status(outcome.status).json(outcome.body);
            return;
          }
          idem = owner;
        }
      }
      const body = 'parseBody' in spec && spec.parseBody ? unwrap(await spec.parseBody(sent), 'request body') : parseOrThrow(spec.body, sent, 'request body');

      const readScope = readScopeOf(spec.scope);
      const canRead = readScope === null || hasScope(principal, readScope);
      const ctx: RouteContext = { principal, orgId: principal.orgId, requestId, deps, idempotencyKey: idem ? `${idem.api_key_id}:${idem.key}` : undefined, canRead };
      const input = { params: paramsResult.data, query, body, headers: req.headers };
      if ('stream' in spec) {
        await sendStream(res, await spec.handler(ctx, input));
        return;
      }
      const audited = spec.audit;
      // The object a route is about is named by its one path parameter (an id, a list's name).
      const firstParam = Object.values(paramsResult.data as Record<string, unknown>)[0];
      const targetId = audited?.id ?? (firstParam === undefined ? undefined : String(firstParam));
      const before = audited && audited.action !== 'created' ? await auditBefore(deps, principal.orgId, audited.resource, targetId) : null;
      let payload: unknown;
      if (spec.list) {
        const page = await spec.handler(ctx, input);
        if (page.next_cursor) res.setHeader('Link', nextLink(req, page.next_cursor));
        payload = page.items;
      } else {
        payload = await spec.handler(ctx, input);
      }
      res.locals.leadId = leadIdOf(spec.tag, firstParam, payload);
      const answer = canRead ? payload : receiptOf(payload, body, [...(spec.receipt ?? []), ...(spec.secretFields ?? [])]);
      if (idem && !(await idempotency.finish(deps.db, idem, 200, answer, spec.secretFields))) res.setHeader('Idempotent-Replay-Kept', 'false');
      if (audited) {
        // A delete or revoke answers with the object as it is left (inactive, revoked): that is its "after".
        const after = withoutSecrets(payload, spec.secretFields);
        const resourceId = targetId ?? (after && typeof after === 'object' && 'id' in after ? String(after.id) : null);
        await recordAudit(deps, { orgId: principal.orgId, actorKeyId: principal.userId ? null : principal.keyId, actorUserId: principal.userId ?? null, action: audited.action, resource: audited.resource, resourceId, before, after, requestId });
      }
      res.status(200).json(answer);
    } catch (err) {
      if (idem) {
        const status = (err as { status?: number }).status ?? 500;
        const body = status < 500 ? serializeForReplay(err, requestId) : null;
        await idempotency.finish(deps.db, idem, status, body).catch(() => undefined);
      }
      next(err);
    }
  };
}

function withoutSecrets(payload: unknown, fields: readonly string[] = []): unknown {
  if (!fields.length || !payload || typeof payload !== 'object' || Array.isArray(payload)) return payload;
  return Object.fromEntries(Object.entries(payload).filter(([k]) => !fields.includes(k)));
}

/** The lead a request is about, for its log line: a lead route's path id, or the lead it created. */
function leadIdOf(tag: string, param: unknown, payload: unknown): string | undefined {
  if (tag !== 'Leads') return undefined;
  if (typeof param === 'string') return param;
  const id = payload && typeof payload === 'object' && 'id' in payload ? payload.id : undefined;
  return typeof id === 'string' ? id : undefined;
}

function serializeForReplay(err: unknown, requestId: string): unknown {
  const e = err as { code?: string; message?: string; details?: unknown };
  return { error: { code: e.code, message: e.message, details: e.details, request_id: requestId } };
}

/** Express path ":id" → OpenAPI "{id}". */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, '{$1}');
}
