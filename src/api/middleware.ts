import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { newId } from '../ids';
import { ApiError } from '../errors';
import type { Logger } from '../logger';
import { isUnavailable } from '../temporal/errors';

const MAX_JSON_DEPTH = 64;
const UNAUTHENTICATED_PATHS = new Set(['/healthz', '/readyz']);

export const requestId: RequestHandler = (_req, res, next) => {
  const id = newId('request');
  res.locals.requestId = id;
  res.setHeader('X-Request-Id', id);
  next();
};

export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const entry = {
        request_id: res.locals.requestId,
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
        key_id: res.locals.keyId,
      };
      if (res.statusCode >= 500) logger.error(entry, 'request failed');
      else logger.info(entry, 'request');
    });
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
 * JSON that parses can still hurt: NUL characters are rejected by Postgres (which would surface as a 500),
 * and very deep nesting makes recursive validators overflow the stack. Walks iteratively.
 */
export const sanitizeInput: RequestHandler = (req, _res, next) => {
  const bad = (path: string, message: string) =>
    next(new ApiError(422, 'VALIDATION_ERROR', message, [{ path, message }]));
  if (hasNul(req.path)) return next(new ApiError(404, 'NOT_FOUND', 'Route not found'));
  for (const [k, v] of Object.entries(req.query)) {
    const values = Array.isArray(v) ? v : [v];
    if (hasNul(k) || values.some((x) => typeof x === 'string' && hasNul(x))) return bad(k, 'query values must not contain NUL characters');
  }
  if (req.body === undefined || req.body === null || typeof req.body !== 'object') return next();
  const stack: Array<[unknown, number]> = [[req.body, 1]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (depth > MAX_JSON_DEPTH) return bad('(body)', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    if (typeof value === 'string') {
      if (hasNul(value)) return bad('(body)', 'strings must not contain NUL (\\u0000) characters');
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (hasNul(k)) return bad('(body)', 'keys must not contain NUL (\\u0000) characters');
        stack.push([v, depth + 1]);
      }
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
    if (apiErr.status >= 500) logger.error({ err, request_id: requestId }, 'unhandled error');
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
  // body-parser and Express raise plain errors carrying a status.
  switch (e?.type) {
    case 'entity.too.large':
      return new ApiError(413, 'PAYLOAD_TOO_LARGE', 'Request body is larger than the 1 MB limit');
    case 'entity.parse.failed':
      return new ApiError(422, 'VALIDATION_ERROR', `Malformed JSON: ${e.message ?? 'cannot parse'}`, [
        { path: '(body)', message: 'not valid JSON' },
      ]);
    case 'encoding.unsupported':
    case 'charset.unsupported':
    case 'request.size.invalid':
    case 'request.aborted':
      return new ApiError(422, 'VALIDATION_ERROR', e.message ?? 'Unreadable request body', [{ path: '(body)', message: 'unreadable' }]);
  }
  const status = e?.status ?? e?.statusCode;
  if (status === 413) return new ApiError(413, 'PAYLOAD_TOO_LARGE', 'Request body is larger than the 1 MB limit');
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
