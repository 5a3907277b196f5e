import type { Knex } from 'knex';

/**
 * Every worker's dispatcher claims its own share of the outbox (db/outbox.ts) instead of one worker taking a
 * global lock and starting every row in turn: a claim is a lease on the row, which a dead worker lets run out.
 */
export async function up(knex: Knex): Promise<void> {
  for (const table of ['webhook_deliveries', 'notifications']) {
    await knex.schema.alterTable(table, (t) => t.timestamp('dispatch_claimed_until', { useTz: true }).nullable());
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['webhook_deliveries', 'notifications']) {
    await knex.schema.alterTable(table, (t) => t.dropColumn('dispatch_claimed_until'));
  }
}
