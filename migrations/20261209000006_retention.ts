import type { Knex } from 'knex';

/**
 * How long each organization keeps what it no longer works with (null: the server's default), and the
 * indexes the purge finds old rows by: settled leads by when they closed, audit entries, finished deliveries
 * and notifications by age.
 */
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  await knex.raw("ALTER TABLE organizations ADD COLUMN IF NOT EXISTS retention jsonb NOT NULL DEFAULT '{}'::jsonb");
  await knex.raw("CREATE INDEX CONCURRENTLY IF NOT EXISTS leads_settled ON leads (org_id, closed_at) WHERE status = 'CLOSED'");
  await knex.raw('CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_log_age ON audit_log (org_id, at)');
  await knex.raw("CREATE INDEX CONCURRENTLY IF NOT EXISTS webhook_deliveries_finished ON webhook_deliveries (org_id, created_at) WHERE status <> 'PENDING'");
  // A purged lead's activities stay on its contact, without the lead: found by lead.
  await knex.raw('CREATE INDEX CONCURRENTLY IF NOT EXISTS activities_lead ON activities (lead_id) WHERE lead_id IS NOT NULL');
  await knex.raw("CREATE INDEX CONCURRENTLY IF NOT EXISTS notifications_finished ON notifications (org_id, created_at) WHERE status <> 'PENDING'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS notifications_finished');
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS activities_lead');
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_finished');
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS audit_log_age');
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS leads_settled');
  await knex.raw('ALTER TABLE organizations DROP COLUMN IF EXISTS retention');
}
