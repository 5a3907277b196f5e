import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { newId } from '../ids';
import { ApiError } from '../errors';
import type { Logger } from '../logger';
import { isUnavailable } from '../temporal/errors';
import { httpRequests } from '../metrics/metrics';
import { bindTrace, withRequestId } from '../telemetry/tracing';

const UNAUTHENTICATED_PATHS = new Set(['/healthz', '/readyz']);

/** A caller's request id is kept when it is one a log line can carry safely: 1-128 of letters, digits, . _ : - */
const CALLER_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const requestId: RequestHandler = (req, res, next) => {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && CALLER_REQUEST_ID.test(given) ? given : newId('request');
  res.locals.requestId = id;
  res.setHeader('X-Request-Id', id);
  withRequestId(id, next);
};

export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    // Bound to the request's trace: the line is written when the answer has gone, outside the request's context.
    res.on('finish', bindTrace(() => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // The route template (/v1/leads/:id), never the path itself: one series per route, not per lead.
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      httpRequests.observe({ method: req.method, route, status: String(res.statusCode) }, ms / 1000);
      const entry = {
        request_id: res.locals.requestId,
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
        key_id: res.locals.keyId,
        org_id: res.locals.orgId,
        lead_id: res.locals.leadId,
      };
      if (res.statusCode >= 500) logger.error(entry, 'request failed');
      else logger.info(entry, 'request');
    }));
    next();
  };
}

/**
 * Runs before anything reads the request: plain HTTP is refused unprocessed. Probes stay reachable over
 * HTTP because load balancers and orchestrators check health on the internal network without TLS.
 */
export function requireHttps(required: boolean): RequestHandler {
  return (req, _res, next) => {
    if (!required || req.secure || UNAUTHENTICATED_PATHS.has(req.path)) return next();
    next(new ApiError(403, 'HTTPS_REQUIRED', 'This API must be called over HTTPS'));
  };
}

function hasNul(s: string): boolean {
  return s.includes('\u0000');
}

/**
 * Postgres refuses NUL characters (which would surface as a 500): a path or query value carrying one is
 * refused here. Bodies are checked as they are read (body.ts).
 */
export const refuseNul: RequestHandler = (req, _res, next) => {
  if (hasNul(req.path)) return next(new ApiError(404, 'NOT_FOUND', 'Route not found'));
  for (const [k, v] of Object.entries(req.query)) {
    const values = Array.isArray(v) ? v : [v];
    if (hasNul(k) || values.some((x) => typeof x === 'string' && hasNul(x))) {
      return next(new ApiError(422, 'VALIDATION_ERROR', 'query values must not contain NUL characters', [{ path: k, message: 'query values must not contain NUL characters' }]));
    }
  }
  next();
};

export const unknownRoute: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, 'NOT_FOUND', `No route ${req.method} ${req.path.slice(0, 200)}`));
};

/** Translates anything thrown into the documented error body; only genuine surprises become 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const requestId = res.locals.requestId as string;
    const apiErr = toApiError(err);
    // A 503 we answer on purpose (Temporal or a CRM not answering) is the weather, not a defect: warned, not
    // logged as an error that pages someone. Anything else at 500 is a surprise.
    if (apiErr.status === 503) logger.warn({ err: { message: (err as Error)?.message }, request_id: requestId, code: apiErr.code }, 'answered 503: a service we depend on is not answering');
    else if (apiErr.status >= 500) logger.error({ err, request_id: requestId }, 'unhandled error');
    if (res.headersSent) return;
    for (const [k, v] of Object.entries(apiErr.headers ?? {})) res.setHeader(k, v);
    res.status(apiErr.status).json({
      error: {
        code: apiErr.code,
        message: apiErr.message,
        ...(apiErr.details ? { details: apiErr.details } : {}),
        request_id: requestId,
      },
    });
  };
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { type?: string; status?: number; statusCode?: number; message?: string; code?: string };
  const status = e?.status ?? e?.statusCode;
  // A path segment that cannot be URI-decoded cannot name any object.
  if (err instanceof URIError || (status === 400 && /decode/i.test(e?.message ?? ''))) {
    return new ApiError(404, 'NOT_FOUND', 'Route not found');
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ApiError(422, 'VALIDATION_ERROR', e.message ?? 'Bad request');
  }
  // Temporal not answering (down, or no worker) is a temporary condition of ours: say so, and when to retry.
  if (isUnavailable(err)) {
    return new ApiError(503, 'SERVICE_UNAVAILABLE', 'The routing engine is not answering right now; retry shortly', undefined, { 'Retry-After': '5' });
  }
  // Postgres data exceptions (class 22) mean input slipped past validation; it is still the caller's input.
  if (typeof e?.code === 'string' && /^22[0-9A-Z]{3}$/.test(e.code)) {
    return new ApiError(422, 'VALIDATION_ERROR', 'A value in the request is out of range or malformed');
  }
  return new ApiError(500, 'SERVER_ERROR', 'Internal server error; it is logged with this request id');
}
