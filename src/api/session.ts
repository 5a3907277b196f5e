import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { ApiError, fromZod, invalid } from '../errors';
import { finishSso, SSO_CALLBACK_PATH, SSO_START_PATH, startSso } from '../services/sso';
import { InvitationAccept, SignIn } from '../schemas/users';
import { currentSession, signIn, signOut, startSession, SESSION_COOKIE } from '../services/sessions';
import { acceptInvitation } from '../services/users';
import { readJsonBody, type BodyLimits } from './body';
import { readCookie } from './cookies';
import type { ApiDeps } from './deps';
import { limitingFailures } from './route';

/**
 * Signing in and out of the console, and accepting an invitation: the routes a person reaches without a
 * session. Their bodies are small; failures count against the address like wrong API keys.
 */
// Room for every schema-valid body even when each character is sent as a 12-byte JSON escape pair.
const LIMITS: BodyLimits = { bytes: 16 * 1024, values: 10 };
export const SESSION_PATH = '/v1/session';
export const ACCEPT_INVITATION_PATH = '/v1/invitations/accept';

async function bodyOf<T extends z.ZodType>(req: Request, schema: T): Promise<z.output<T>> {
  // JSON only: a form on another site cannot send it without the browser asking this server first (CORS).
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw invalid('Content-Type must be application/json', [{ path: '(body)', message: 'send JSON' }]);
  const parsed = schema.safeParse(await readJsonBody(req, LIMITS));
  if (!parsed.success) throw fromZod(parsed.error, 'request body');
  return parsed.data;
}

/** Secure and HttpOnly always (browsers take Secure cookies from http://localhost too); Lax, so the sign-in link in an email opens signed in. */
const sessionCookie = (token: string, maxAgeSeconds: number) => `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=${Math.floor(maxAgeSeconds)}`;

function setSessionCookie(res: Response, token: string, maxAgeSeconds: number): void {
  res.setHeader('Set-Cookie', sessionCookie(token, maxAgeSeconds));
}

export function sessionRouter(deps: ApiDeps): Router {
  const router = Router({ strict: true });
  const maxAge = deps.config.SESSION_MAX_HOURS * 3600;

  router.post(SESSION_PATH, async (req, res, next) => {
    try {
      const input = await bodyOf(req, SignIn);
      const { token, session } = await limitingFailures(req, deps, () => signIn(deps, input));
      setSessionCookie(res, token, maxAge);
      res.status(200).json(session);
    } catch (err) {
      next(err);
    }
  });

  router.get(SESSION_PATH, async (req, res, next) => {
    try {
      res.status(200).json(await limitingFailures(req, deps, () => currentSession(deps, readCookie(req, SESSION_COOKIE))));
    } catch (err) {
      next(err);
    }
  });

  router.delete(SESSION_PATH, async (req, res, next) => {
    try {
      const token = readCookie(req, SESSION_COOKIE);
      if (token) await signOut(deps, token, req.header('x-csrf-token'));
      res.setHeader('Set-Cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`);
      res.status(200).json({ signed_out: true });
    } catch (err) {
      next(err);
    }
  });

  router.post(ACCEPT_INVITATION_PATH, async (req, res, next) => {
    try {
      const input = await bodyOf(req, InvitationAccept);
      const user = await limitingFailures(req, deps, () => acceptInvitation(deps, input));
      const { token, session } = await startSession(deps, user);
      setSessionCookie(res, token, maxAge);
      res.status(200).json(session);
    } catch (err) {
      next(err);
    }
  });
  router.get(SSO_START_PATH, async (req, res) => {
    try {
      const email = typeof req.query.email === 'string' ? req.query.email.slice(0, 320) : '';
      const { url, state } = await startSso(deps, email);
      // Binds the answer to this browser: the callback's state must be the cookie's (no sign-in slipped in from elsewhere).
      res.setHeader('Set-Cookie', `${SSO_COOKIE}=${state}; Path=${SSO_CALLBACK_PATH}; HttpOnly; Secure; SameSite=Lax; Max-Age=600`);
      res.redirect(303, url);
    } catch (err) {
      backToConsole(res, err);
    }
  });

  router.get(SSO_CALLBACK_PATH, async (req, res) => {
    try {
      const here = new URL(req.originalUrl, deps.config.PUBLIC_API_URL);
      const user = await limitingFailures(req, deps, () => finishSso(deps, here, readCookie(req, SSO_COOKIE)));
      const { token } = await startSession(deps, user);
      res.setHeader('Set-Cookie', [`${SSO_COOKIE}=; Path=${SSO_CALLBACK_PATH}; HttpOnly; Secure; SameSite=Lax; Max-Age=0`, sessionCookie(token, maxAge)]);
      res.redirect(303, '/console#signed_in');
    } catch (err) {
      backToConsole(res, err);
    }
  });
  return router;
}

const SSO_COOKIE = 'routeswit_sso';

/** A browser on its way through the provider gets the console back, saying what went wrong, not a JSON error. */
function backToConsole(res: Response, err: unknown): void {
  const message = err instanceof ApiError ? err.message : 'Single sign-on failed; try again or sign in with a password';
  res.redirect(303, `/console#sso_error=${encodeURIComponent(message)}`);
}
