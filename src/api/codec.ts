import cors from 'cors';
import { Router, type Request } from 'express';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { invalid } from '../errors';
import { authenticateOperator, type OperatorPrincipal } from '../services/operatorKeys';
import { EncryptionCodec } from '../temporal/codec';
import { parseKeyring, UnknownKeyError } from '../crypto/keyring';
import type { ApiDeps } from './deps';
import { uiContentSecurityPolicy } from './headers';
import { limitingFailures } from './route';
import { readJsonBody } from './body';
import { readCookie } from './cookies';

/**
 * Temporal's remote codec protocol (POST …/encode, …/decode with protobuf-JSON Payloads), so the Web UI and
 * `temporal workflow show --codec-endpoint` can show what the payload codec encrypted. Decoding reveals any
 * organization's lead data, so it needs an operator key (made only by the admin CLI, outside every tenant),
 * sent as `Authorization: Bearer <key>` (the CLI's --codec-auth) or held in an HttpOnly session cookie set
 * from the /codec page (the Web UI sends cookies when "include cross-origin credentials" is on).
 */
const COOKIE = 'routeswit_codec';
const SESSION_HOURS = 8;
const PAGES = path.join(__dirname, 'ui');

const cookieKey = (req: Request): string | undefined => readCookie(req, COOKIE);

/**
 * An operator key (not a tenant's: those are unknown here), limited like any key, with failed attempts
 * counted per address like any authentication.
 */
async function operator(req: Request, deps: ApiDeps, header = req.headers.authorization ?? (cookieKey(req) ? `Bearer ${cookieKey(req)}` : undefined)): Promise<OperatorPrincipal> {
  const principal = await limitingFailures(req, deps, () => authenticateOperator(deps, header, 'payloads:decode'));
  deps.limits.perKey.take(principal.keyId);
  return principal;
}

function payloadsOf(body: unknown): temporal.api.common.v1.Payload[] {
  const list = (body as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(list)) throw invalid('Expected {"payloads": [...]} as protobuf JSON', [{ path: 'payloads', message: 'required array' }]);
  return list.map((p, i) => {
    try {
      return temporal.api.common.v1.Payload.fromObject(p as object);
    } catch (err) {
      const why = `not a protobuf JSON Payload (${(err as Error).message.slice(0, 100)}): data and metadata values are base64`;
      throw invalid(`payloads[${i}] ${why}`, [{ path: `payloads[${i}]`, message: why }]);
    }
  });
}

/**
 * One payload through the codec: what an operator pastes or a UI sends may be damaged, truncated, or sealed
 * under a key this deployment does not hold, which is the caller's input, not a server fault.
 */
async function translate(codec: EncryptionCodec, op: 'encode' | 'decode', payload: temporal.api.common.v1.Payload, index: number): Promise<temporal.api.common.v1.IPayload> {
  try {
    const [out] = await codec[op]([payload]);
    return out!;
  } catch (err) {
    const why = err instanceof UnknownKeyError ? err.message : 'the data is not ciphertext this deployment sealed (damaged, truncated or not encrypted)';
    throw invalid(`payloads[${index}] cannot be ${op}d: ${why}`, [{ path: `payloads[${index}]`, message: why }]);
  }
}

export function codecRouter(deps: ApiDeps): Router {
  const router = Router();
  const keys = deps.config.ENCRYPTION_KEYS;
  const codec = keys ? new EncryptionCodec(parseKeyring(keys)) : null;
  const origins = (deps.config.CODEC_CORS_ORIGINS ?? new URL(deps.config.TEMPORAL_UI_URL).origin).split(',').map((o) => o.trim());
  const allowUi = cors({ origin: origins, credentials: true, methods: ['POST'], allowedHeaders: ['Content-Type', 'X-Namespace', 'Authorization'], maxAge: 600 });

  router.options(['/codec/encode', '/codec/decode'], allowUi);
  for (const op of ['encode', 'decode'] as const) {
    router.post(`/codec/${op}`, allowUi, async (req, res, next) => {
      try {
        await operator(req, deps);
        // A history page of payloads: read only for an operator, as any body is read only once authorized.
        const payloads = payloadsOf(await readJsonBody(req, { bytes: 8 * 1024 * 1024, values: 200_000 }));
        const out = codec ? await Promise.all(payloads.map((p, i) => translate(codec, op, p, i))) : payloads;
        res.json(temporal.api.common.v1.Payloads.toObject(temporal.api.common.v1.Payloads.create({ payloads: out }), { bytes: String }));
      } catch (err) {
        next(err);
      }
    });
  }

  router.get('/codec', uiContentSecurityPolicy, (_req, res, next) => res.sendFile('codec.html', { root: PAGES }, (err) => err && next(err)));
  router.post('/codec/session', async (req, res, next) => {
    try {
      await operator(req, deps, req.headers.authorization);
      const key = /^Bearer\s+(\S+)/i.exec(req.headers.authorization ?? '')![1]!;
      // Over HTTPS the cookie goes with cross-site requests too (SameSite=None; Secure): the Temporal Cloud UI
      // (or a Web UI on another site) calls this endpoint from its own origin. Over plain HTTP (local
      // development) browsers refuse SameSite=None: Lax, which a Web UI on the same site still sends.
      const attributes = req.secure ? 'SameSite=None; Secure' : 'SameSite=Lax';
      res.setHeader('Set-Cookie', `${COOKIE}=${encodeURIComponent(key)}; Path=/codec; HttpOnly; ${attributes}; Max-Age=${SESSION_HOURS * 3600}`);
      res.json({ status: 'ok', expires_in_seconds: SESSION_HOURS * 3600 });
    } catch (err) {
      next(err);
    }
  });
  router.delete('/codec/session', (_req, res) => {
    res.setHeader('Set-Cookie', `${COOKIE}=; Path=/codec; HttpOnly; SameSite=Lax; Max-Age=0`);
    res.json({ status: 'ok' });
  });
  return router;
}
