import type { Knex } from 'knex';
import type { CrmName, PollCursor } from '../crm/connector';
import type { Db } from './knex';

type Conn = Db | Knex.Transaction;

/** Options as stored: what the connection was given, defaults filled in. */
export interface CrmOptions {
  create_leads: boolean;
  write_owner: boolean;
  overwrite_owner: boolean;
  /** HubSpot: a contact property; Salesforce: a Lead field (routing_reason_field). */
  routing_reason_property: string | null;
  /** Salesforce: the REST API version (v62.0). */
  api_version?: string;
  /** Salesforce: how leads come in. */
  intake?: 'outbound_messages' | 'polling' | 'both';
  /** Salesforce with polling: seconds between polls. */
  poll_seconds?: number;
  /** Salesforce: lead field → the Lead field it comes from, over the defaults. */
  field_map?: Record<string, string>;
}

export interface CrmConnectionRow {
  org_id: string;
  crm: CrmName;
  account_id: string;
  /** Sealed JSON: client_secret, and access_token or refresh_token. */
  secrets: string;
  oauth_client_id: string | null;
  /** Sealed: the access token the last OAuth refresh gave. */
  access_token: string | null;
  access_token_expires_at: Date | null;
  /** Salesforce: the API host the last token answer named. */
  instance_url: string | null;
  /** Salesforce: SHA-256 of the token outbound messages carry. */
  intake_token_hash: string | null;
  /** Where polling stopped (null: it never ran). */
  poll_cursor: PollCursor | null;
  last_poll_at: Date | null;
  options: CrmOptions;
  paused_until: Date | null;
  last_event_at: Date | null;
  last_write_at: Date | null;
  last_owner_sync_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function findConnection(db: Conn, orgId: string, crm: CrmName): Promise<CrmConnectionRow | undefined> {
  return db<CrmConnectionRow>('crm_connections').where({ org_id: orgId, crm }).first();
}

/** The connections of these accounts (a webhook's events name their account). */
export function connectionsByAccount(db: Conn, crm: CrmName, accountIds: readonly string[]): Promise<CrmConnectionRow[]> {
  return db<CrmConnectionRow>('crm_connections').where({ crm }).whereIn('account_id', [...accountIds]);
}

/** Whether another organization holds this account already. */
export async function accountTakenElsewhere(db: Conn, orgId: string, crm: CrmName, accountId: string): Promise<boolean> {
  return Boolean(await db('crm_connections').where({ crm, account_id: accountId }).whereNot({ org_id: orgId }).first('org_id'));
}

export type ConnectionWrite = Pick<CrmConnectionRow, 'account_id' | 'secrets' | 'oauth_client_id' | 'options'> & Partial<Pick<CrmConnectionRow, 'intake_token_hash'>>;

/** Creates or replaces the connection; a changed credential drops the cached access token. */
export async function putConnection(db: Conn, orgId: string, crm: CrmName, w: ConnectionWrite): Promise<CrmConnectionRow> {
  const values = { ...w, options: JSON.stringify(w.options) };
  const [row] = await db('crm_connections')
    .insert({ org_id: orgId, crm, ...values })
    .onConflict(['org_id', 'crm'])
    .merge({
      ...values,
      access_token: db.raw('CASE WHEN crm_connections.secrets = EXCLUDED.secrets AND crm_connections.account_id = EXCLUDED.account_id THEN crm_connections.access_token END'),
      access_token_expires_at: db.raw('CASE WHEN crm_connections.secrets = EXCLUDED.secrets AND crm_connections.account_id = EXCLUDED.account_id THEN crm_connections.access_token_expires_at END'),
      updated_at: db.fn.now(),
    })
    .returning('*');
  return row as CrmConnectionRow;
}

export async function deleteConnection(db: Conn, orgId: string, crm: CrmName): Promise<CrmConnectionRow | undefined> {
  const [row] = await db<CrmConnectionRow>('crm_connections').where({ org_id: orgId, crm }).delete().returning('*');
  return row as CrmConnectionRow | undefined;
}

export async function saveAccessToken(db: Conn, orgId: string, crm: CrmName, sealed: string, expiresAt: Date, instanceUrl?: string): Promise<void> {
  await db('crm_connections')
    .where({ org_id: orgId, crm })
    .update({ access_token: sealed, access_token_expires_at: expiresAt, ...(instanceUrl ? { instance_url: instanceUrl } : {}) });
}

/** The Salesforce connection whose outbound messages carry this token (by its hash). */
export function connectionByIntakeToken(db: Conn, crm: CrmName, tokenHash: string): Promise<CrmConnectionRow | undefined> {
  return db<CrmConnectionRow>('crm_connections').where({ crm, intake_token_hash: tokenHash }).first();
}

export async function touchConnection(db: Conn, orgId: string, crm: CrmName, column: 'last_event_at' | 'last_write_at' | 'last_owner_sync_at' | 'last_poll_at'): Promise<void> {
  await db('crm_connections').where({ org_id: orgId, crm }).update({ [column]: db.fn.now() });
}

/** What GET shows beside the connection: writes and failures of the last day, and what still waits. */
export async function connectionCounts(db: Conn, orgId: string, crm: CrmName): Promise<{ writes_24h: number; failures_24h: number; pending_writes: number }> {
  const row = await db('crm_writes')
    .where({ org_id: orgId, crm })
    .andWhere((q) => q.where('done_at', '>', db.raw("now() - interval '24 hours'")).orWhere({ status: 'PENDING' }))
    .first(
      db.raw("count(*) FILTER (WHERE status = 'SYNCED')::int AS writes_24h"),
      db.raw("count(*) FILTER (WHERE status = 'FAILED')::int AS failures_24h"),
      db.raw("count(*) FILTER (WHERE status = 'PENDING')::int AS pending_writes"),
    );
  return row as { writes_24h: number; failures_24h: number; pending_writes: number };
}

export async function savePollCursor(db: Conn, orgId: string, crm: CrmName, cursor: PollCursor): Promise<void> {
  await db('crm_connections').where({ org_id: orgId, crm }).update({ poll_cursor: JSON.stringify(cursor) });
}

/** Polling starts from now when it never ran: what came before came by outbound message, or not at all. */
export async function startPollingNow(db: Conn, orgId: string, crm: CrmName): Promise<void> {
  const mark = { at: `${new Date().toISOString().slice(0, 19)}Z`, id: '' };
  await db('crm_connections').where({ org_id: orgId, crm }).whereNull('poll_cursor').update({ poll_cursor: JSON.stringify({ created: mark, modified: mark }) });
}
