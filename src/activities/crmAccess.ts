import { ApplicationFailure } from '@temporalio/activity';
import { CrmHttpError, CrmUnreachable, type CrmConnector, type CrmName } from '../crm/connector';
import { crmTransport, type RateLimiter, type TokenSource } from '../crm/http';
import { hubspotConnector, hubspotRetryAfter, refreshHubSpotToken } from '../crm/hubspot/connector';
import { refreshSalesforceToken, salesforceConnector, salesforceExhausted } from '../crm/salesforce/connector';
import { openText, parseKeyring, sealText, type Keyring } from '../crypto/keyring';
import { findConnection, saveAccessToken, type CrmConnectionRow } from '../db/crmConnections';
import { endCrmSlot, pauseCrmAccount, takeCrmSlot } from '../db/crmLimiter';
import type { Db } from '../db/knex';
import { outboundPolicy } from '../net/outbound';

/** What talking to CRMs needs from the worker's configuration. */
export interface CrmSettings {
  /** HUBSPOT_API_URL */
  hubspotApiUrl: string;
  /** HUBSPOT_RATE_LIMIT: requests per 10 seconds per HubSpot account. */
  hubspotRateLimit: number;
  /** SALESFORCE_LOGIN_URL */
  salesforceLoginUrl: string;
  /** SALESFORCE_RATE_LIMIT: requests per 10 seconds per Salesforce org, in flight included (so also the concurrency). */
  salesforceRateLimit: number;
  /** SALESFORCE_LIMIT_PAUSE_SECONDS: how long an org whose daily API allocation is spent is left alone. */
  salesforceLimitPauseSeconds: number;
  outboundTargets: string;
  outboundCa?: string;
  encryptionKeys?: string;
  timeoutMs?: number;
}

/** The stored secrets, as sealed in crm_connections.secrets. */
export interface CrmSecrets {
  client_secret: string;
  access_token?: string;
  refresh_token?: string;
}

/** Salesforce names no lifetime for its access tokens (the org's session timeout, 2 hours by default): keep one for less, and refresh on 401 anyway. */
const SALESFORCE_TOKEN_MS = 60 * 60_000;

/**
 * The window the budget is counted over: HubSpot's ten seconds, and half a second for the two clocks'
 * granularity. Lateness on the way needs no margin: a slot counts until its request has answered.
 */
const WINDOW_MS = 10_500;
/** How long one request may wait for a slot before its activity gives up and is retried later. */
const MAX_SLOT_WAIT_MS = 30_000;
/** A token this close to expiring is refreshed before use. */
const TOKEN_MARGIN_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function keyringOf(encryptionKeys: string | undefined): Keyring {
  if (!encryptionKeys) throw ApplicationFailure.nonRetryable('ENCRYPTION_KEYS is not set: CRM secrets cannot be opened', 'Misconfigured');
  return parseKeyring(encryptionKeys);
}

function limiterFor(db: Db, crm: CrmName, accountId: string, max: number, maxRequestMs: number): RateLimiter {
  return {
    async acquire() {
      const started = Date.now();
      for (;;) {
        const taken = await takeCrmSlot(db, crm, accountId, { max, windowMs: WINDOW_MS, maxRequestMs });
        if ('slot' in taken) return () => endCrmSlot(db, taken.slot);
        const wait = taken.waitMs;
        if (Date.now() - started + wait > MAX_SLOT_WAIT_MS) throw new CrmHttpError(429, `the ${crm} account's request budget is spent for now`, wait);
        await sleep(Math.min(wait, 1000));
      }
    },
    pause: (ms) => pauseCrmAccount(db, crm, accountId, ms),
  };
}

export interface CrmAccess {
  connection: CrmConnectionRow;
  connector: CrmConnector;
}

/** The organization's connector, or null when it is not connected to that CRM. */
export function crmAccess(db: Db, s: CrmSettings) {
  const policy = outboundPolicy(s.outboundTargets);
  return async function accessFor(orgId: string, crm: CrmName): Promise<CrmAccess | null> {
    const connection = await findConnection(db, orgId, crm);
    if (!connection) return null;
    const keyring = keyringOf(s.encryptionKeys);
    const secrets = JSON.parse(openText(keyring, connection.secrets)) as CrmSecrets;
    const timeoutMs = s.timeoutMs ?? 20_000;
    const budget = crm === 'salesforce' ? s.salesforceRateLimit : s.hubspotRateLimit;
    const limiter = limiterFor(db, crm, connection.account_id, budget, timeoutMs + 5_000);
    let cached = connection.access_token && connection.access_token_expires_at && connection.access_token_expires_at.getTime() - Date.now() > TOKEN_MARGIN_MS ? openText(keyring, connection.access_token) : null;
    let instanceUrl = cached ? connection.instance_url : null;
    const refresh = async (): Promise<string> => {
      if (!secrets.refresh_token || !connection.oauth_client_id) throw new CrmHttpError(401, `${crm === 'hubspot' ? 'HubSpot refused the private app access token: give the connection a valid access_token' : 'Salesforce refused the access token and the connection has no refresh token'}`);
      const oauth = { clientId: connection.oauth_client_id, clientSecret: secrets.client_secret, refreshToken: secrets.refresh_token };
      if (crm === 'salesforce') {
        const t = await refreshSalesforceToken(request, oauth);
        await saveAccessToken(db, orgId, crm, sealText(keyring, t.accessToken), new Date(Date.now() + SALESFORCE_TOKEN_MS), t.instanceUrl);
        instanceUrl = t.instanceUrl;
        return (cached = t.accessToken);
      }
      const t = await refreshHubSpotToken(request, oauth);
      await saveAccessToken(db, orgId, crm, sealText(keyring, t.accessToken), t.expiresAt);
      return (cached = t.accessToken);
    };
    const tokens: TokenSource = {
      current: async () => secrets.access_token ?? cached ?? refresh(),
      refresh: () => (secrets.access_token ? Promise.reject(new CrmHttpError(401, 'HubSpot refused the private app access token: give the connection a valid access_token')) : refresh()),
    };
    const request =
      crm === 'salesforce'
        ? crmTransport({ baseUrl: s.salesforceLoginUrl, policy, limiter, tokens, timeoutMs, ca: s.outboundCa, exhaustedFor: salesforceExhausted(s.salesforceLimitPauseSeconds * 1000) })
        : crmTransport({ baseUrl: s.hubspotApiUrl, policy, limiter, tokens, timeoutMs, ca: s.outboundCa, retryAfterOf: hubspotRetryAfter });
    if (crm === 'hubspot') return { connection, connector: hubspotConnector(request) };
    const session = {
      apiVersion: connection.options.api_version ?? 'v62.0',
      async instanceUrl() {
        if (!instanceUrl || !cached) await refresh();
        return instanceUrl!;
      },
    };
    return { connection, connector: salesforceConnector(request, session) };
  };
}

/**
 * A CRM failure as Temporal should treat it: a refusal that trying again cannot change (a 4xx other than 401
 * after a refresh, 408 and 429) ends the retries; a 429 is retried when the CRM said to; an outage or a
 * 5xx is retried with the activity's backoff.
 */
export function asActivityFailure(err: unknown): unknown {
  if (err instanceof CrmHttpError) {
    if (err.final) return ApplicationFailure.nonRetryable(err.message, 'CrmRejected', { status: err.status, category: err.category });
    if (err.status === 429) return ApplicationFailure.create({ message: err.message, type: 'CrmRateLimited', details: [{ status: 429 }], ...(err.retryAfterMs ? { nextRetryDelay: err.retryAfterMs } : {}) });
    return ApplicationFailure.retryable(err.message, 'CrmUnavailable', { status: err.status });
  }
  if (err instanceof CrmUnreachable) return ApplicationFailure.retryable(err.message, 'CrmUnavailable', { status: null });
  return err;
}

/** The HTTP status and message a failure carries, for the write's record. */
export function failureOf(err: unknown): { status: number | null; message: string } {
  if (err instanceof CrmHttpError) return { status: err.status, message: err.message };
  return { status: null, message: (err as Error)?.message ?? String(err) };
}
