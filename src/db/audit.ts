import type { Db } from './knex';

export interface AuditRow {
  id: string;
  org_id: string;
  actor_key_id: string | null;
  actor_user_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  before: unknown;
  after: unknown;
  request_id: string;
  at: Date;
}

export async function insertAudit(db: Db, row: Omit<AuditRow, 'at'>): Promise<void> {
  await db('audit_log').insert({ ...row, before: row.before === null ? null : JSON.stringify(row.before), after: row.after === null ? null : JSON.stringify(row.after) });
}

export interface AuditFilter {
  resourceType?: string;
  resourceId?: string;
  actorKeyId?: string;
  actorUserId?: string;
  action?: string;
  after?: string;
  before?: string;
}

/** Newest first; the cursor is the last id seen. */
export function listAudit(db: Db, orgId: string, f: AuditFilter, cursor: string | undefined, limit: number): Promise<AuditRow[]> {
  const q = db<AuditRow>('audit_log').where({ org_id: orgId }).orderBy('id', 'desc').limit(limit);
  if (f.resourceType) q.andWhere({ resource_type: f.resourceType });
  if (f.resourceId) q.andWhere({ resource_id: f.resourceId });
  if (f.actorKeyId) q.andWhere({ actor_key_id: f.actorKeyId });
  if (f.actorUserId) q.andWhere({ actor_user_id: f.actorUserId });
  if (f.action) q.andWhere({ action: f.action });
  if (f.after) q.andWhere('at', '>=', f.after);
  if (f.before) q.andWhere('at', '<', f.before);
  if (cursor) q.andWhere('id', '<', cursor);
  return q;
}
