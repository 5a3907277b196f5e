import type { RequestHandler } from 'express';
import type { AnyRoute } from './route';

const segments = (path: string) => path.split('/').filter(Boolean);

/**
 * Answers OPTIONS with the methods the server really serves at a path. Express's own answer pools every
 * pattern that matches, so `/v1/rules/active` advertised the PATCH and DELETE of `/v1/rules/:id`, which then
 * answer 404. Here, as in routing, a literal segment beats a parameter: only the most specific patterns count.
 */
export function allowedMethods(routes: AnyRoute[]): RequestHandler {
  const patterns = routes.map((r) => ({ method: r.method.toUpperCase(), parts: segments(r.path) }));
  return (req, res, next) => {
    if (req.method !== 'OPTIONS') return next();
    const parts = segments(req.path);
    const matching = patterns.filter((p) => p.parts.length === parts.length && p.parts.every((s, i) => s.startsWith(':') || s === parts[i]));
    if (!matching.length) return next();
    const literals = (p: { parts: string[] }) => p.parts.filter((s) => !s.startsWith(':')).length;
    const best = Math.max(...matching.map(literals));
    const methods = new Set(matching.filter((p) => literals(p) === best).map((p) => p.method));
    if (methods.has('GET')) methods.add('HEAD');
    methods.add('OPTIONS');
    res.setHeader('Allow', [...methods].join(', '));
    res.status(204).end();
  };
}
