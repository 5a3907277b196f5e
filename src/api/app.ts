import express, { type Express } from 'express';
import { apiSecurityHeaders } from './headers';
import type { ApiDeps } from './deps';
import { methodsAllowed } from './allow';
import { accessLog, errorHandler, requestId, requireHttps, refuseNul, unknownRoute } from './middleware';
import { codecRouter } from './codec';
import { buildOpenApi } from './openapi';
import { handlerFor, type AnyRoute } from './route';
import { apiKeyRoutes } from './routes/apiKeys';
import { contactRoutes } from './routes/contacts';
import { healthRouter } from './routes/health';
import { intelligenceRoutes, monitorRoutes } from './routes/intelligence';
import { leadRoutes } from './routes/leads';
import { repRoutes } from './routes/reps';
import { rulesetRoutes } from './routes/rulesets';
import { webhookRoutes } from './routes/webhooks';
import { organizationRoutes } from './routes/organization';
import { auditRoutes } from './routes/audit';
import { accountRoutes } from './routes/accounts';
import { listRoutes } from './routes/lists';
import { calendarRoutes } from './routes/calendars';
import { backtestRoutes } from './routes/backtests';
import { integrationRoutes } from './routes/integrations';
import { privacyRoutes } from './routes/privacy';
import { crmWebhookRouter } from './crmWebhook';
import { ACCEPT_INVITATION_PATH, SESSION_PATH, sessionRouter } from './session';
import { ssoRoutes, userRoutes } from './routes/users';
import { SSO_CALLBACK_PATH, SSO_START_PATH } from '../services/sso';
import { uiRouter } from './ui';

/** Served outside the route table (probes, the document), so that 405 and OPTIONS know them too. */
const PUBLIC_ROUTES = [
  { method: 'get', path: '/healthz' },
  { method: 'get', path: '/readyz' },
  { method: 'get', path: '/v1/openapi.json' },
  { method: 'post', path: '/v1/integrations/hubspot/webhook' },
  { method: 'post', path: '/v1/integrations/salesforce/outbound-message' },
  { method: 'post', path: SESSION_PATH },
  { method: 'get', path: SESSION_PATH },
  { method: 'delete', path: SESSION_PATH },
  { method: 'post', path: ACCEPT_INVITATION_PATH },
  { method: 'get', path: SSO_START_PATH },
  { method: 'get', path: SSO_CALLBACK_PATH },
];

/** TRUST_PROXY as Express takes it: unset or "false" trusts nobody, a number counts hops, anything else lists peers. */
function trustProxy(setting: string | undefined): boolean | number | string {
  if (setting === undefined || setting === 'false') return false;
  if (/^\d+$/.test(setting)) return Number(setting);
  return setting;
}

export function allRoutes(): AnyRoute[] {
  return [...leadRoutes, ...repRoutes, ...calendarRoutes, ...rulesetRoutes, ...backtestRoutes, ...listRoutes, ...contactRoutes, ...accountRoutes, ...intelligenceRoutes, ...monitorRoutes, ...webhookRoutes, ...organizationRoutes, ...integrationRoutes, ...userRoutes, ...ssoRoutes, ...apiKeyRoutes, ...auditRoutes, ...privacyRoutes];
}

export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxy(deps.config.TRUST_PROXY));
  app.set('query parser', 'simple');

  app.use(requestId);
  app.use(apiSecurityHeaders());
  app.use(accessLog(deps.logger));
  app.use(requireHttps(deps.config.REQUIRE_HTTPS));
  app.use(healthRouter(deps));
  app.use(uiRouter());
  app.use(codecRouter(deps));
  app.use(crmWebhookRouter(deps));
  app.use(sessionRouter(deps));

  const routes = allRoutes();
  const openapi = buildOpenApi(routes);
  app.get('/v1/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  app.use(methodsAllowed([...routes, ...PUBLIC_ROUTES]));
  app.use(refuseNul);
  // Strict: a trailing slash names another path (`GET /v1/reps/` is a rep with an empty id: 404, not the list).
  const router = express.Router({ strict: true });
  for (const r of routes) router[r.method](r.path, handlerFor(r, deps));
  app.use(router);

  app.use(unknownRoute);
  app.use(errorHandler(deps.logger));
  return app;
}
