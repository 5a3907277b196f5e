import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { fromZod, invalid } from '../errors';
import { InvitationAccept, SignIn } from '../schemas/users';
import { currentSession, signIn, signOut, startSession, SESSION_COOKIE } from '../services/sessions';
import { acceptInvitation } from '../services/users';
import { readJsonBody, type BodyLimits } from './body';
import { readCookie } from './cookies';
import type { ApiDeps } from './deps';
import { limitingFailures } from './route';

/**
 * Signing in and out of the console, and accepting an invitation: the routes a person reaches without a
 * session. Their bodies are a few hundred bytes; failures count against the address like wrong API keys.
 */
const LIMITS: BodyLimits = { bytes: 4096, values: 10 };
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
function setSessionCookie(res: Response, token: string, maxAgeSeconds: number): void {
  res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=${Math.floor(maxAgeSeconds)}`);
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
  return router;
}
