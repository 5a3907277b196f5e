import type { Knex } from 'knex';

/**
 * The metrics read each outbox's depth and oldest item on every scrape: what is still PENDING (waiting or being
 * retried), found by index, not by scanning every delivery and notification ever made.
 */
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  await knex.raw("CREATE INDEX CONCURRENTLY IF NOT EXISTS webhook_deliveries_pending ON webhook_deliveries (created_at) WHERE status = 'PENDING'");
  await knex.raw("CREATE INDEX CONCURRENTLY IF NOT EXISTS notifications_pending ON notifications (created_at) WHERE status = 'PENDING'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS notifications_pending');
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_pending');
}
