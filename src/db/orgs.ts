import type { RetentionDays } from './retention';
import type { Knex } from 'knex';
import type { Db } from './knex';
import { newId } from '../ids';

export interface OrgRow {
  id: string;
  name: string;
  timezone: string;
  escalation_contacts: string[];
  /** Sealed (enc:v1:…); null when not set. */
  slack_webhook_url: string | null;
  /** Team → sealed URL. */
  team_slack_webhook_urls: Record<string, string>;
  /** Sealed; the organization's own SMTP relay, instead of the server's SMTP_URL. */
  smtp_url: string | null;
  mail_from: string | null;
  notify_on_assign: boolean;
  notify_on_give_up: boolean;
  /** Days to keep each kind, where the organization set its own (db/retention.ts). */
  retention: RetentionDays;
  created_at: Date;
  updated_at: Date;
}

export type OrgSettingsPatch = Partial<Omit<OrgRow, 'id' | 'created_at' | 'updated_at'>>;

export async function updateOrg(db: Db | Knex.Transaction, id: string, patch: OrgSettingsPatch): Promise<OrgRow> {
  const row: Record<string, unknown> = { ...patch, updated_at: db.fn.now() };
  if (patch.team_slack_webhook_urls) row.team_slack_webhook_urls = JSON.stringify(patch.team_slack_webhook_urls);
  if (patch.retention) row.retention = JSON.stringify(patch.retention);
  const [updated] = await db('organizations').where({ id }).update(row).returning('*');
  return updated as OrgRow;
}

/** Locks the organization row: settings changes read, check and write it in one go. */
export function lockOrg(trx: Knex.Transaction, id: string): Promise<OrgRow | undefined> {
  return trx<OrgRow>('organizations').where({ id }).forUpdate().first();
}

export async function createOrg(db: Db, name: string): Promise<OrgRow> {
  const [row] = await db<OrgRow>('organizations').insert({ id: newId('org'), name }).returning('*');
  return row!;
}

export function findOrg(db: Db | Knex.Transaction, id: string): Promise<OrgRow | undefined> {
  return db<OrgRow>('organizations').where({ id }).first();
}

/** The active ruleset's id and version: routing compiles a version once and caches it (see activities). */
export interface ActiveRuleset {
  id: string;
  version: number;
}

/**
 * What routing needs of an organization, in one statement: its settings (for notifications) and which ruleset
 * version is active.
 */
export async function routingContext(db: Db | Knex.Transaction, id: string): Promise<{ org: OrgRow; activeRuleset: ActiveRuleset | null } | undefined> {
  const row: (OrgRow & { active_ruleset_id: string | null; active_ruleset_version: number | null }) | undefined = await db('organizations as o')
    .leftJoin('rulesets as r', (on) => on.on('r.org_id', 'o.id').andOnVal('r.status', 'ACTIVE'))
    .where('o.id', id)
    .first('o.*', 'r.id as active_ruleset_id', 'r.version as active_ruleset_version');
  if (!row) return undefined;
  const { active_ruleset_id, active_ruleset_version, ...org } = row;
  return { org, activeRuleset: active_ruleset_id === null ? null : { id: active_ruleset_id, version: active_ruleset_version! } };
}

export function listOrgs(db: Db): Promise<OrgRow[]> {
  return db<OrgRow>('organizations').orderBy('id');
}

export async function listOrgIds(db: Db): Promise<string[]> {
  return (await db<OrgRow>('organizations').orderBy('id').select('id')).map((r) => r.id);
}
