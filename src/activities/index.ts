import fs from 'node:fs';
import type { Config } from '../config';
import type { Db } from '../db/knex';
import { diagnosticsActivities } from './diagnostics';
import { leadActivities } from './lead';
import { maintenanceActivities, type RetentionSettings } from './maintenance';
import { notificationActivities, type NotificationSettings } from './notifications';
import { monitorActivities } from './monitors';
import { webhookActivities } from './webhooks';
import { rerouteJobActivities } from './rerouteJobs';
import { backtestActivities } from './backtests';
import type { Temporal } from '../temporal/client';
import { crmAccess, type CrmSettings } from './crmAccess';
import { crmInboundActivities, type CrmLeadSink } from './crmInbound';
import { crmOwnerActivities } from './crmOwners';
import { crmPollActivities } from './crmPoll';
import { crmWriteActivities } from './crmWrites';

export interface ActivityDeps {
  db: Db;
  /** OUTBOUND_TARGETS: where tenant-configured URLs may point. */
  outboundTargets: string;
  /** ENCRYPTION_KEYS: opens secrets stored sealed (webhook signing secrets). */
  encryptionKeys?: string;
  /** How notifications are sent, and the links they carry. */
  notifications: NotificationSettings;
  /** For activities that talk to other workflows (re-route jobs); absent in tests that need none. */
  temporal?: Temporal;
  /** The worker's task queue: work it asks for in the outbox (CRM writes) is taken by its dispatcher. */
  taskQueue: string;
  /** Where CRMs are and how fast they may be called (HUBSPOT_*, SALESFORCE_*). */
  crm?: Partial<Pick<CrmSettings, 'hubspotApiUrl' | 'hubspotRateLimit' | 'salesforceLoginUrl' | 'salesforceRateLimit' | 'salesforceLimitPauseSeconds' | 'outboundCa'>>;
  /** How long organizations keep settled data (RETENTION_*); absent: nothing is purged. */
  retention?: RetentionSettings;
  /** Where leads from CRM webhooks go in (the worker builds it from the lead services). */
  crmLeads?: CrmLeadSink;
}

/** The CRMs' documented bases and smallest budgets (HubSpot private apps on Free and Starter: 100 per 10 s). */
const CRM_DEFAULTS = { hubspotApiUrl: 'https://api.hubapi.com', hubspotRateLimit: 100, salesforceLoginUrl: 'https://login.salesforce.com', salesforceRateLimit: 25, salesforceLimitPauseSeconds: 900 };

type CrmConfig = Pick<Config, 'HUBSPOT_API_URL' | 'HUBSPOT_RATE_LIMIT' | 'SALESFORCE_LOGIN_URL' | 'SALESFORCE_RATE_LIMIT' | 'SALESFORCE_LIMIT_PAUSE_SECONDS' | 'OUTBOUND_CA_FILE'>;

/** The CRM settings from the configuration. */
export function crmSettings(config: CrmConfig): NonNullable<ActivityDeps['crm']> {
  return {
    hubspotApiUrl: config.HUBSPOT_API_URL,
    hubspotRateLimit: config.HUBSPOT_RATE_LIMIT,
    salesforceLoginUrl: config.SALESFORCE_LOGIN_URL,
    salesforceRateLimit: config.SALESFORCE_RATE_LIMIT,
    salesforceLimitPauseSeconds: config.SALESFORCE_LIMIT_PAUSE_SECONDS,
    outboundCa: config.OUTBOUND_CA_FILE ? fs.readFileSync(config.OUTBOUND_CA_FILE, 'utf8') : undefined,
  };
}

/** The retention settings from the configuration. */
export function retentionSettings(
  config: Pick<Config, 'RETENTION_LEADS_DAYS' | 'RETENTION_AUDIT_DAYS' | 'RETENTION_DELIVERIES_DAYS' | 'RETENTION_NOTIFICATIONS_DAYS' | 'RETENTION_MIN_DAYS' | 'RETENTION_MAX_DAYS' | 'RETENTION_PURGE_BATCH' | 'RETENTION_PURGE_REST_FACTOR'>,
): RetentionSettings {
  return {
    defaults: { leads: config.RETENTION_LEADS_DAYS, audit: config.RETENTION_AUDIT_DAYS, deliveries: config.RETENTION_DELIVERIES_DAYS, notifications: config.RETENTION_NOTIFICATIONS_DAYS },
    minDays: config.RETENTION_MIN_DAYS,
    maxDays: config.RETENTION_MAX_DAYS,
    batch: config.RETENTION_PURGE_BATCH,
    restFactor: config.RETENTION_PURGE_REST_FACTOR,
  };
}

/** All activities the worker registers, bound to their dependencies. */
export function createActivities(deps: ActivityDeps) {
  const accessFor = crmAccess(deps.db, { ...CRM_DEFAULTS, ...deps.crm, outboundTargets: deps.outboundTargets, encryptionKeys: deps.encryptionKeys });
  return {
    ...diagnosticsActivities(deps.db),
    ...leadActivities({ db: deps.db, notify: deps.notifications, taskQueue: deps.taskQueue }),
    ...notificationActivities(deps.db, deps),
    ...webhookActivities(deps.db, { ...deps, outboundCa: deps.notifications.outboundCa }),
    ...monitorActivities(deps.db),
    ...maintenanceActivities(deps.db, deps.retention),
    ...rerouteJobActivities({ db: deps.db, temporal: deps.temporal }),
    ...backtestActivities({ db: deps.db }),
    ...crmWriteActivities(deps.db, accessFor),
    ...crmInboundActivities(deps.db, accessFor, deps.crmLeads),
    ...crmPollActivities(deps.db, accessFor, deps.taskQueue),
    ...crmOwnerActivities(deps.db, accessFor),
  };
}
export type Activities = ReturnType<typeof createActivities>;
