import { insertAudit, listAudit } from '../db/audit';
import { newId } from '../ids';
import type { AuditAction, AuditedResource, AuditEntry, AuditQuery } from '../schemas/audit';
import type { Page } from '../schemas/common';
import { getMonitor } from './monitors';
import { getOrganization } from './organization';
import { getRep } from './reps';
import { getRuleset } from './rulesets';
import { getWebhook } from './webhooks';
import type { ServiceDeps } from './deps';
import { toPage } from './paging';

/** How each audited resource is read, for the "before" of a change: as its API answers (no secrets in it). */
import { getListSummary } from './lists';
import { getCalendar } from './calendars';
import { getUser } from './users';
import { getSso } from './sso';
import { getHubSpot } from './integrations';
import { getSalesforce } from './salesforce';

const READERS: Partial<Record<AuditedResource, (deps: Pick<ServiceDeps, 'db' | 'config'>, orgId: string, id: string) => Promise<unknown>>> = {
  rep: getRep,
  ruleset: getRuleset,
  webhook: getWebhook,
  monitor: getMonitor,
  list: getListSummary,
  calendar: getCalendar,
  organization: (deps, orgId) => getOrganization(deps, orgId),
  integration: (deps, orgId, id) => (id === 'salesforce' ? getSalesforce(deps, orgId) : getHubSpot(deps, orgId)),
  user: getUser,
  sso: (deps, orgId) => getSso(deps, orgId),
};

/** The object before a change, or null when there is none (a create) or it cannot be read. */
export async function auditBefore(deps: Pick<ServiceDeps, 'db' | 'config'>, orgId: string, resource: AuditedResource, id: string | undefined): Promise<unknown> {
  const read = READERS[resource];
  // The organization, its integrations and its single sign-on are one per organization: no id names them.
  if (!read || (resource !== 'organization' && resource !== 'integration' && resource !== 'sso' && !id)) return null;
  return read(deps, orgId, id ?? orgId).catch(() => null);
}

export interface AuditRecord {
  orgId: string;
  actorKeyId: string | null;
  /** The person signed in to the console who made the change (then actorKeyId is null). */
  actorUserId?: string | null;
  action: AuditAction;
  resource: AuditedResource;
  resourceId: string | null;
  before: unknown;
  after: unknown;
  requestId: string;
}

export async function recordAudit(deps: Pick<ServiceDeps, 'db'>, r: AuditRecord): Promise<void> {
  await insertAudit(deps.db, {
    id: newId('audit'),
    org_id: r.orgId,
    actor_key_id: r.actorKeyId,
    actor_user_id: r.actorUserId ?? null,
    action: r.action,
    resource_type: r.resource,
    resource_id: r.resourceId,
    before: r.before ?? null,
    after: r.after ?? null,
    request_id: r.requestId,
  });
}

export async function listAuditEntries(deps: Pick<ServiceDeps, 'db'>, orgId: string, q: AuditQuery): Promise<Page<AuditEntry>> {
  const rows = await listAudit(deps.db, orgId, { resourceType: q.resource_type, resourceId: q.resource_id, actorKeyId: q.actor_key_id, actorUserId: q.actor_user_id, action: q.action, after: q.after, before: q.before }, q.cursor, q.limit + 1);
  return toPage(rows, q.limit, (r) => ({
    id: r.id,
    action: r.action as AuditAction,
    resource_type: r.resource_type as AuditedResource,
    resource_id: r.resource_id,
    actor_key_id: r.actor_key_id,
    actor_user_id: r.actor_user_id,
    before: r.before,
    after: r.after,
    request_id: r.request_id,
    at: r.at.toISOString(),
  }));
}
