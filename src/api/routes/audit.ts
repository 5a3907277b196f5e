import { AuditEntry, AuditQuery } from '../../schemas/audit';
import { listAuditEntries } from '../../services/audit';
import { listRoute } from '../route';

export const auditRoutes = [
  listRoute({
    method: 'get',
    path: '/v1/audit',
    operationId: 'listAuditEntries',
    tag: 'Audit',
    summary: 'Configuration changes, newest first: who (API key), what, before and after, when',
    description:
      'Every change to reps, rulesets (including publication), organization settings, API keys, webhooks and SLA monitors made through the API. ' +
      'Secrets are never recorded: a new key or webhook appears without its secret, and settings show only whether a URL is set.',
    scope: 'audit:read',
    query: AuditQuery,
    response: AuditEntry,
    handler: (ctx, { query }) => listAuditEntries(ctx.deps, ctx.orgId, query),
  }),
];
