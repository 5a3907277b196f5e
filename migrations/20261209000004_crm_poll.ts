import type { Knex } from 'knex';

/**
 * Polling a CRM for new and changed records: where the last poll stopped, as the time and id of the last record
 * it took (so a record of the same second is neither lost nor taken twice), one cursor per kind.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('crm_connections', (t) => {
    t.jsonb('poll_cursor');
    t.timestamp('last_poll_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('crm_connections', (t) => {
    t.dropColumn('poll_cursor');
    t.dropColumn('last_poll_at');
  });
}
