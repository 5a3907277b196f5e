import type { Knex } from 'knex';

/**
 * A CRM request counts against the account's budget from the moment its slot is taken until it has answered,
 * not only at the moment it was granted: a request granted early but delivered late (a busy event loop, a slow
 * network) must still be inside our window when the CRM counts it. `busy_until` starts as the latest the
 * request can end (its timeout) and becomes its real end once it answers.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('crm_requests', (t) => {
    t.bigIncrements('id').primary();
    t.timestamp('busy_until', { useTz: true });
  });
  await knex('crm_requests').update({ busy_until: knex.ref('at') });
  await knex.schema.alterTable('crm_requests', (t) => {
    t.dropNullable('busy_until');
    t.dropIndex(['crm', 'account_id', 'at']);
    t.index(['crm', 'account_id', 'busy_until']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('crm_requests', (t) => {
    t.dropIndex(['crm', 'account_id', 'busy_until']);
    t.dropColumn('busy_until');
    t.dropColumn('id');
    t.index(['crm', 'account_id', 'at']);
  });
}
