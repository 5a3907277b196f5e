import type { Knex } from 'knex';

/**
 * A delivery is handed to its workflow by the dispatcher, after the routing that queued it has committed: the
 * trace of the lead it announces travels in the row (a W3C traceparent, null when tracing is off).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('webhook_deliveries', (t) => t.text('trace_parent').nullable());
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('webhook_deliveries', (t) => t.dropColumn('trace_parent'));
}
