import type { RequestHandler } from 'express';
import { ApiError } from '../errors';

export interface MethodAndPath {
  method: string;
  /** Express syntax: /v1/reps/:id */
  path: string;
}

const segments = (path: string) => path.split('/').filter(Boolean);

/**
 * The methods the server really serves at a path: OPTIONS answers with them (Allow), any other method
 * answers 405 with them. Express's own OPTIONS pools every pattern that matches, so `/v1/rules/active`
 * advertised the PATCH and DELETE of `/v1/rules/:id`, which answer 404. Here, as in routing, a literal
 * segment beats a parameter: only the most specific patterns count, so `PATCH /v1/rules/active` is a 405,
 * not a lookup of a ruleset with the id "active". Mounted before the routes, so Express never answers
 * OPTIONS itself.
 */
export function methodsAllowed(routes: MethodAndPath[]): RequestHandler {
  const patterns = routes.map((r) => ({ method: r.method.toUpperCase(), parts: segments(r.path) }));
  const literals = (p: { parts: string[] }) => p.parts.filter((s) => !s.startsWith(':')).length;
  const allowAt = (path: string): string | null => {
    // `/v1/reps/` is not `/v1/reps`: routing is strict, so it is a rep with an empty id, which is not found.
    if (path.length > 1 && path.endsWith('/')) return null;
    const parts = segments(path);
    const matching = patterns.filter((p) => p.parts.length === parts.length && p.parts.every((s, i) => s.startsWith(':') || s === parts[i]));
    if (!matching.length) return null;
    const best = Math.max(...matching.map(literals));
    const methods = new Set(matching.filter((p) => literals(p) === best).map((p) => p.method));
    if (methods.has('GET')) methods.add('HEAD');
    methods.add('OPTIONS');
    return [...methods].join(', ');
  };
  return (req, res, next) => {
    const allow = allowAt(req.path);
    if (!allow) return next();
    if (req.method === 'OPTIONS') {
      res.setHeader('Allow', allow);
      return void res.status(204).end();
    }
    if (allow.split(', ').includes(req.method)) return next();
    res.setHeader('Allow', allow);
    next(new ApiError(405, 'METHOD_NOT_ALLOWED', `${req.method.slice(0, 20)} is not served at ${req.path.slice(0, 200)}; allowed: ${allow}`));
  };
}
