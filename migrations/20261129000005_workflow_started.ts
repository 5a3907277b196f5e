import type { Knex } from 'knex';

/**
 * When a lead's workflow was last known to be running: the sweeper starts workflows for leads without it
 * (and re-checks leads still ROUTING long after it), instead of re-starting the oldest ROUTING leads of a
 * backlog every round while a lead whose start really failed waits behind them.
 */
// CONCURRENTLY: a large leads table keeps taking writes while the index builds (it cannot run in a transaction).
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  // Each step may be run again: without a transaction, a failure halfway leaves the earlier ones done.
  await knex.raw('ALTER TABLE leads ADD COLUMN IF NOT EXISTS workflow_started_at timestamptz');
  await knex.raw("CREATE INDEX CONCURRENTLY IF NOT EXISTS leads_routing_sweep ON leads (workflow_started_at NULLS FIRST, received_at) WHERE status = 'ROUTING'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS leads_routing_sweep');
  await knex.schema.alterTable('leads', (t) => {
    t.dropColumn('workflow_started_at');
  });
}
