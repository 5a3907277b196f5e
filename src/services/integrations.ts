import { CRM_TITLES, type CrmName } from '../crm/connector';
import { openText, sealText } from '../crypto/keyring';
import * as store from '../db/crmConnections';
import { invalid, notFound, serviceUnavailable, conflict } from '../errors';
import type { HubSpotConnection, HubSpotConnectionPut, Integrations, OwnerSyncReport } from '../schemas/integrations';
import { deleteOwnerSyncSchedule, ensureOwnerSyncSchedule, OwnerSyncFailed, runOwnerSync } from '../temporal/crm';
import type { ServiceDeps } from './deps';
import { keyring, SECRET_SHOWN, statusOf } from './crmShared';
import { presentSalesforce } from './salesforce';

/**
 * An organization's HubSpot connection: its secrets sealed with ENCRYPTION_KEYS and never shown again, its
 * account held by one organization only, the daily owner sync scheduled while it exists.
 */
export const HUBSPOT_WEBHOOK_PATH = '/v1/integrations/hubspot/webhook';

interface Secrets {
  client_secret: string;
  access_token?: string;
  refresh_token?: string;
}


async function present(deps: Pick<ServiceDeps, 'db' | 'config'>, row: store.CrmConnectionRow): Promise<HubSpotConnection> {
  const secrets = JSON.parse(openText(keyring(deps), row.secrets)) as Secrets;
  return {
    crm: 'hubspot',
    portal_id: row.account_id,
    auth: secrets.access_token ? 'ACCESS_TOKEN' : 'OAUTH',
    client_secret: SECRET_SHOWN,
    access_token: secrets.access_token ? SECRET_SHOWN : null,
    oauth: row.oauth_client_id ? { client_id: row.oauth_client_id, refresh_token: SECRET_SHOWN } : null,
    ...row.options,
    webhook_url: `${deps.config.PUBLIC_API_URL.replace(/\/$/, '')}${HUBSPOT_WEBHOOK_PATH}`,
    status: await statusOf(deps, row),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** What PUT stores: the secrets given, or (for a connection that exists) the ones it had. */
function secretsFor(input: HubSpotConnectionPut, current: Secrets | null): { secrets: Secrets; clientId: string | null } {
  const clientSecret = input.client_secret ?? current?.client_secret;
  if (!clientSecret) throw invalid('client_secret is required to connect', [{ path: 'client_secret', message: "required: the app's client secret" }]);
  if (input.access_token) return { secrets: { client_secret: clientSecret, access_token: input.access_token }, clientId: null };
  if (input.oauth) return { secrets: { client_secret: clientSecret, refresh_token: input.oauth.refresh_token }, clientId: input.oauth.client_id };
  if (!current) throw invalid('give access_token (a private app) or oauth (a public app) to connect', [{ path: 'access_token', message: 'required: access_token or oauth' }]);
  return { secrets: { ...current, client_secret: clientSecret }, clientId: null };
}

export async function putHubSpot(deps: ServiceDeps, orgId: string, input: HubSpotConnectionPut): Promise<HubSpotConnection> {
  const ring = keyring(deps);
  const current = await store.findConnection(deps.db, orgId, 'hubspot');
  if (await store.accountTakenElsewhere(deps.db, orgId, 'hubspot', input.portal_id)) {
    throw conflict('This HubSpot account is connected to another organization', [{ path: 'portal_id', message: 'already connected elsewhere' }]);
  }
  const kept = current ? (JSON.parse(openText(ring, current.secrets)) as Secrets) : null;
  const { secrets, clientId } = secretsFor(input, kept);
  const options: store.CrmOptions = {
    create_leads: input.create_leads ?? current?.options.create_leads ?? true,
    write_owner: input.write_owner ?? current?.options.write_owner ?? true,
    overwrite_owner: input.overwrite_owner ?? current?.options.overwrite_owner ?? false,
    routing_reason_property: input.routing_reason_property !== undefined ? input.routing_reason_property : (current?.options.routing_reason_property ?? null),
  };
  // The same secrets seal to other bytes each time: keep the stored text when nothing changed, so the cached
  // access token (dropped when the secrets change) survives an options-only PUT.
  const sameSecrets = kept !== null && JSON.stringify(kept) === JSON.stringify(secrets);
  const row = await store.putConnection(deps.db, orgId, 'hubspot', {
    account_id: input.portal_id,
    secrets: sameSecrets ? current!.secrets : sealText(ring, JSON.stringify(secrets)),
    oauth_client_id: secrets.refresh_token ? (clientId ?? current?.oauth_client_id ?? null) : null,
    options,
  });
  await ensureOwnerSyncSchedule(deps.temporal, orgId, 'hubspot');
  return present(deps, row);
}

export async function getHubSpot(deps: Pick<ServiceDeps, 'db' | 'config'>, orgId: string): Promise<HubSpotConnection> {
  const row = await store.findConnection(deps.db, orgId, 'hubspot');
  if (!row) throw notFound('HubSpot connection');
  return present(deps, row);
}

/** Every CRM the organization may connect, each connected one with its state. */
export async function listIntegrations(deps: Pick<ServiceDeps, 'db' | 'config'>, orgId: string): Promise<Integrations> {
  const [hubspot, salesforce] = await Promise.all([store.findConnection(deps.db, orgId, 'hubspot'), store.findConnection(deps.db, orgId, 'salesforce')]);
  return { hubspot: hubspot ? await present(deps, hubspot) : null, salesforce: salesforce ? await presentSalesforce(deps, salesforce, null) : null };
}

export async function deleteHubSpot(deps: ServiceDeps, orgId: string): Promise<HubSpotConnection> {
  const row = await store.findConnection(deps.db, orgId, 'hubspot');
  if (!row) throw notFound('HubSpot connection');
  const shown = await present(deps, row);
  await store.deleteConnection(deps.db, orgId, 'hubspot');
  await deleteOwnerSyncSchedule(deps.temporal, orgId, 'hubspot');
  return shown;
}

/** Maps the CRM's owners (HubSpot owners, Salesforce users) to reps now, and reports. */
export async function syncCrmOwners(deps: ServiceDeps, orgId: string, crm: CrmName): Promise<OwnerSyncReport> {
  if (!(await store.findConnection(deps.db, orgId, crm))) throw notFound(`${CRM_TITLES[crm]} connection`);
  try {
    return await runOwnerSync(deps.temporal, orgId, crm);
  } catch (err) {
    if (err instanceof OwnerSyncFailed) throw serviceUnavailable(`The owners could not be read from ${CRM_TITLES[crm]}: ${err.message}`);
    throw err;
  }
}
