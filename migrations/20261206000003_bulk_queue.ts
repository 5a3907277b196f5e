import type { Knex } from 'knex';

/**
 * Leads taken in bulk (a batch, an import) wait in Postgres to be started a few at a time by the worker's
 * bulk feeder, instead of all at once: the task queue they are started on, while they wait or route.
 */
// CONCURRENTLY: a large leads table keeps taking writes while the indexes build (not in a transaction).
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE leads ADD COLUMN IF NOT EXISTS bulk_queue text');
  // What waits to be started, by organization (the feeder takes organizations in turn) …
  await knex.raw("CREATE INDEX CONCURRENTLY IF NOT EXISTS leads_bulk_waiting ON leads (bulk_queue, org_id, received_at) WHERE status = 'ROUTING' AND bulk_queue IS NOT NULL AND workflow_started_at IS NULL");
  // … and what was started and is routing now.
  await knex.raw("CREATE INDEX CONCURRENTLY IF NOT EXISTS leads_bulk_routing ON leads (bulk_queue, workflow_started_at) WHERE status = 'ROUTING' AND bulk_queue IS NOT NULL AND workflow_started_at IS NOT NULL");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS leads_bulk_routing');
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS leads_bulk_waiting');
  await knex.schema.alterTable('leads', (t) => {
    t.dropColumn('bulk_queue');
  });
}
