import { parseKeyring } from '../crypto/keyring';
import * as store from '../db/crmConnections';
import { conflict } from '../errors';
import type { CrmStatus } from '../schemas/integrations';
import type { ServiceDeps } from './deps';

/** What every CRM connection's answer shares: secrets shown as this, the keyring that seals them, the status. */
export const SECRET_SHOWN = '********' as const;

export function keyring(deps: Pick<ServiceDeps, 'config'>) {
  if (!deps.config.ENCRYPTION_KEYS) throw conflict('This deployment has no ENCRYPTION_KEYS: CRM secrets are never stored in clear, so the operator must set it first');
  return parseKeyring(deps.config.ENCRYPTION_KEYS);
}

/** How a connection is doing, whichever CRM: its last event, write and owner sync, and its writes' counts. */
export async function statusOf(deps: Pick<ServiceDeps, 'db'>, row: store.CrmConnectionRow): Promise<CrmStatus> {
  const counts = await store.connectionCounts(deps.db, row.org_id, row.crm);
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return { last_event_at: iso(row.last_event_at), last_write_at: iso(row.last_write_at), last_owner_sync_at: iso(row.last_owner_sync_at), ...counts };
}

