import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Security headers for every response, from helmet. API responses are JSON that no browser should render,
 * frame or cache: a CSP that allows nothing, nosniff, and Cache-Control: no-store (helmet leaves caching
 * alone, so that one header is ours; the UI's static files set their own). Strict-Transport-Security goes
 * only on HTTPS requests (TLS here, or a trusted proxy's X-Forwarded-Proto): over plain HTTP it is ignored
 * by browsers and would only mislead.
 */
export function apiSecurityHeaders(): RequestHandler[] {
  const hsts = helmet.strictTransportSecurity({ maxAge: 31_536_000, includeSubDomains: true });
  return [
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      strictTransportSecurity: false,
    }),
    (req, res, next) => {
      res.setHeader('Cache-Control', 'no-store');
      if (req.secure) return hsts(req, res, next);
      next();
    },
  ];
}

/** The browser pages' policy: scripts only from here; Swagger UI sets inline styles, so styles may be inline. */
export const uiContentSecurityPolicy = helmet.contentSecurityPolicy({
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
  },
});
