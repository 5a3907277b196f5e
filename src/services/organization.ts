import { sealIfKeyed } from '../crypto/keyring';
import { findOrg, lockOrg, updateOrg, type OrgRow, type OrgSettingsPatch } from '../db/orgs';
import { invalid, notFound } from '../errors';
import { outboundPolicy, urlProblem } from '../net/outbound';
import { RETENTION_FIELDS, type Organization, type OrganizationUpdate } from '../schemas/organization';
import type { Config } from '../config';
import type { RetentionDays } from '../db/retention';
import type { ServiceDeps } from './deps';
import { requireActiveRep } from './reps';
import { fromProblem, senderPolicy, type SenderPolicy } from '../notify/sender';

type RetentionConfig = Pick<Config, 'RETENTION_LEADS_DAYS' | 'RETENTION_AUDIT_DAYS' | 'RETENTION_DELIVERIES_DAYS' | 'RETENTION_NOTIFICATIONS_DAYS' | 'RETENTION_MIN_DAYS' | 'RETENTION_MAX_DAYS'>;

/** An organization's own retention after an update: a number sets a kind, null gives it back to the default. */
function mergeRetention(current: RetentionDays, given: NonNullable<OrganizationUpdate['retention']>): RetentionDays {
  const next: Record<string, number> = { ...current };
  for (const [f, days] of Object.entries(given)) {
    if (days === null) delete next[f];
    else if (days !== undefined) next[f] = days;
  }
  return next;
}

/** Settings as the API shows them: secrets (webhook and SMTP URLs, which carry credentials) only as "set". */
export function presentOrganization(o: OrgRow, config: RetentionConfig): Organization {
  const defaults = { leads_days: config.RETENTION_LEADS_DAYS, audit_days: config.RETENTION_AUDIT_DAYS, deliveries_days: config.RETENTION_DELIVERIES_DAYS, notifications_days: config.RETENTION_NOTIFICATIONS_DAYS };
  const own = o.retention ?? {};
  const days = (f: (typeof RETENTION_FIELDS)[number]) => Math.min(config.RETENTION_MAX_DAYS, Math.max(config.RETENTION_MIN_DAYS, own[f] ?? defaults[f]));
  return {
    id: o.id,
    name: o.name,
    timezone: o.timezone,
    escalation_contacts: o.escalation_contacts,
    notifications: {
      notify_on_assign: o.notify_on_assign,
      notify_on_give_up: o.notify_on_give_up,
      email: { smtp_url_set: o.smtp_url !== null, from: o.mail_from },
      slack: { default_webhook_set: o.slack_webhook_url !== null, team_webhooks: Object.keys(o.team_slack_webhook_urls).sort() },
    },
    retention: { leads_days: days('leads_days'), audit_days: days('audit_days'), deliveries_days: days('deliveries_days'), notifications_days: days('notifications_days'), own: RETENTION_FIELDS.filter((f) => own[f] !== undefined) },
    created_at: o.created_at.toISOString(),
    updated_at: o.updated_at.toISOString(),
  };
}

export async function getOrganization(deps: Pick<ServiceDeps, 'db' | 'config'>, orgId: string): Promise<Organization> {
  const row = await findOrg(deps.db, orgId);
  if (!row) throw notFound('Organization');
  return presentOrganization(row, deps.config);
}

/** A URL the outbound policy could never reach is refused when saved (the address is checked again when sending). */
function checkTarget(url: string | null | undefined, path: string, outboundTargets: string): void {
  const problem = url ? urlProblem(url, outboundPolicy(outboundTargets)) : null;
  if (problem) throw invalid(`${path}: ${problem}`, [{ path, message: `${problem}; see OUTBOUND_TARGETS` }]);
}

/** A From the operator's SMTP server would send under must be at a domain the operator allows (sender.ts). */
function checkMailFrom(after: Pick<OrgRow, 'smtp_url' | 'mail_from'>, policy: SenderPolicy): void {
  const problem = after.mail_from && !after.smtp_url ? fromProblem(after.mail_from, policy) : null;
  if (problem) throw invalid(`notifications.email.from: ${problem}`, [{ path: 'notifications.email.from', message: problem }]);
}

export async function updateOrganization(deps: Pick<ServiceDeps, 'db' | 'config'>, orgId: string, input: OrganizationUpdate): Promise<Organization> {
  const { config } = deps;
  const n = input.notifications;
  checkTarget(n?.email?.smtp_url, 'notifications.email.smtp_url', config.OUTBOUND_TARGETS);
  checkTarget(n?.slack?.default_webhook_url, 'notifications.slack.default_webhook_url', config.OUTBOUND_TARGETS);
  for (const [team, url] of Object.entries(n?.slack?.team_webhook_urls ?? {})) checkTarget(url, `notifications.slack.team_webhook_urls.${team}`, config.OUTBOUND_TARGETS);
  for (const [i, repId] of (input.escalation_contacts ?? []).entries()) await requireActiveRep(deps, orgId, repId, `escalation_contacts[${i}]`);
  for (const [f, days] of Object.entries(input.retention ?? {})) {
    if (days !== null && days !== undefined && (days < config.RETENTION_MIN_DAYS || days > config.RETENTION_MAX_DAYS)) {
      const message = `must be between ${config.RETENTION_MIN_DAYS} and ${config.RETENTION_MAX_DAYS} days on this server`;
      throw invalid(`retention.${f} ${message}`, [{ path: `retention.${f}`, message }]);
    }
  }
  const seal = (url: string | null | undefined) => (url === undefined ? undefined : url === null ? null : sealIfKeyed(config.ENCRYPTION_KEYS, url));
  return deps.db.transaction(async (trx) => {
    const current = await lockOrg(trx, orgId);
    if (!current) throw notFound('Organization');
    const teams = { ...current.team_slack_webhook_urls };
    for (const [team, url] of Object.entries(n?.slack?.team_webhook_urls ?? {})) {
      if (url === null) delete teams[team];
      else teams[team] = seal(url)!;
    }
    const patch: OrgSettingsPatch = {
      name: input.name,
      timezone: input.timezone,
      escalation_contacts: input.escalation_contacts,
      notify_on_assign: n?.notify_on_assign,
      notify_on_give_up: n?.notify_on_give_up,
      smtp_url: seal(n?.email?.smtp_url),
      mail_from: n?.email?.from,
      slack_webhook_url: seal(n?.slack?.default_webhook_url),
      ...(n?.slack?.team_webhook_urls ? { team_slack_webhook_urls: teams } : {}),
      ...(input.retention ? { retention: mergeRetention(current.retention ?? {}, input.retention) } : {}),
    };
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as OrgSettingsPatch;
    checkMailFrom({ ...current, ...defined }, senderPolicy(config.MAIL_FROM, config.MAIL_FROM_DOMAINS));
    return presentOrganization(await updateOrg(trx, orgId, defined), config);
  });
}
