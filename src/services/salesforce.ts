import { createHash, randomBytes } from 'node:crypto';
import { openText, sealText } from '../crypto/keyring';
import * as store from '../db/crmConnections';
import { conflict, invalid, notFound } from '../errors';
import type { SalesforceConnection, SalesforceConnectionPut } from '../schemas/integrations';
import { deleteOwnerSyncSchedule, deletePollSchedule, ensureOwnerSyncSchedule, ensurePollSchedule } from '../temporal/crm';
import { keyring, SECRET_SHOWN, statusOf } from './crmShared';
import type { ServiceDeps } from './deps';

/**
 * An organization's Salesforce connection: the connected app's secrets and the refresh token sealed with
 * ENCRYPTION_KEYS and never shown again; the org id held by one organization only; outbound messages proven
 * by a token in their URL (kept as its hash, shown once); the daily user sync scheduled while it exists.
 */
export const SALESFORCE_OUTBOUND_PATH = '/v1/integrations/salesforce/outbound-message';
export const DEFAULT_API_VERSION = 'v62.0';
export const DEFAULT_POLL_SECONDS = 60;

interface Secrets {
  client_secret: string;
  refresh_token: string;
}

export const intakeTokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

const outboundUrl = (deps: Pick<ServiceDeps, 'config'>, token: string | null) => `${deps.config.PUBLIC_API_URL.replace(/\/$/, '')}${SALESFORCE_OUTBOUND_PATH}?token=${token ?? SECRET_SHOWN}`;

/** The connection as the API shows it; `token` only in the answer that made it. */
export async function presentSalesforce(deps: Pick<ServiceDeps, 'db' | 'config'>, row: store.CrmConnectionRow, token: string | null): Promise<SalesforceConnection> {
  return {
    crm: 'salesforce',
    organization_id: row.account_id,
    client_id: row.oauth_client_id ?? '',
    client_secret: SECRET_SHOWN,
    refresh_token: SECRET_SHOWN,
    api_version: row.options.api_version ?? DEFAULT_API_VERSION,
    create_leads: row.options.create_leads,
    write_owner: row.options.write_owner,
    overwrite_owner: row.options.overwrite_owner,
    routing_reason_field: row.options.routing_reason_property,
    intake: row.options.intake ?? 'outbound_messages',
    poll_seconds: row.options.poll_seconds ?? DEFAULT_POLL_SECONDS,
    field_map: row.options.field_map ?? {},
    last_poll_at: row.last_poll_at ? row.last_poll_at.toISOString() : null,
    instance_url: row.instance_url,
    outbound_message_url: outboundUrl(deps, token),
    status: await statusOf(deps, row),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export async function putSalesforce(deps: ServiceDeps, orgId: string, input: SalesforceConnectionPut): Promise<SalesforceConnection> {
  const ring = keyring(deps);
  const current = await store.findConnection(deps.db, orgId, 'salesforce');
  if (await store.accountTakenElsewhere(deps.db, orgId, 'salesforce', input.organization_id)) {
    throw conflict('This Salesforce org is connected to another organization', [{ path: 'organization_id', message: 'already connected elsewhere' }]);
  }
  const kept = current ? (JSON.parse(openText(ring, current.secrets)) as Secrets) : null;
  const clientSecret = input.client_secret ?? kept?.client_secret;
  const refreshToken = input.refresh_token ?? kept?.refresh_token;
  const missing = [...(clientSecret ? [] : ['client_secret']), ...(refreshToken ? [] : ['refresh_token'])];
  if (missing.length) throw invalid(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required to connect`, missing.map((path) => ({ path, message: 'required when connecting' })));
  const secrets: Secrets = { client_secret: clientSecret!, refresh_token: refreshToken! };
  const options: store.CrmOptions = {
    create_leads: input.create_leads ?? current?.options.create_leads ?? true,
    write_owner: input.write_owner ?? current?.options.write_owner ?? true,
    overwrite_owner: input.overwrite_owner ?? current?.options.overwrite_owner ?? false,
    routing_reason_property: input.routing_reason_field !== undefined ? input.routing_reason_field : (current?.options.routing_reason_property ?? null),
    api_version: input.api_version ?? current?.options.api_version ?? DEFAULT_API_VERSION,
    intake: input.intake ?? current?.options.intake ?? 'outbound_messages',
    poll_seconds: input.poll_seconds ?? current?.options.poll_seconds ?? DEFAULT_POLL_SECONDS,
    field_map: input.field_map ?? current?.options.field_map ?? {},
  };
  const token = !current?.intake_token_hash || input.rotate_outbound_token ? randomBytes(24).toString('base64url') : null;
  // Sealing the same secrets gives other bytes: keep the stored text when nothing changed, so the cached token survives.
  const same = kept !== null && JSON.stringify(kept) === JSON.stringify(secrets) && current!.oauth_client_id === input.client_id;
  const row = await store.putConnection(deps.db, orgId, 'salesforce', {
    account_id: input.organization_id,
    secrets: same ? current!.secrets : sealText(ring, JSON.stringify(secrets)),
    oauth_client_id: input.client_id,
    options,
    ...(token ? { intake_token_hash: intakeTokenHash(token) } : {}),
  });
  await ensureOwnerSyncSchedule(deps.temporal, orgId, 'salesforce');
  if (options.intake === 'outbound_messages') await deletePollSchedule(deps.temporal, orgId, 'salesforce');
  else {
    await store.startPollingNow(deps.db, orgId, 'salesforce');
    await ensurePollSchedule(deps.temporal, orgId, 'salesforce', options.poll_seconds!);
  }
  return presentSalesforce(deps, (await store.findConnection(deps.db, orgId, 'salesforce')) ?? row, token);
}

export async function getSalesforce(deps: Pick<ServiceDeps, 'db' | 'config'>, orgId: string): Promise<SalesforceConnection> {
  const row = await store.findConnection(deps.db, orgId, 'salesforce');
  if (!row) throw notFound('Salesforce connection');
  return presentSalesforce(deps, row, null);
}

export async function deleteSalesforce(deps: ServiceDeps, orgId: string): Promise<SalesforceConnection> {
  const row = await store.findConnection(deps.db, orgId, 'salesforce');
  if (!row) throw notFound('Salesforce connection');
  const shown = await presentSalesforce(deps, row, null);
  await store.deleteConnection(deps.db, orgId, 'salesforce');
  await deleteOwnerSyncSchedule(deps.temporal, orgId, 'salesforce');
  await deletePollSchedule(deps.temporal, orgId, 'salesforce');
  return shown;
}
