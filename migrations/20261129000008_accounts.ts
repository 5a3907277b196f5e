import type { Knex } from 'knex';

/**
 * Accounts: companies, keyed by domain, with the rep who owns them (sticky ownership). Leads carry the
 * account they matched when they arrived. Leads received before this migration have none: their company's
 * earlier owners are still found through their contacts.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('accounts', (t) => {
    t.text('org_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.text('domain').notNullable();
    t.text('name');
    t.text('owner_rep_id');
    t.jsonb('attributes').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['org_id', 'domain']);
    t.index(['org_id', 'owner_rep_id']);
  });
  await knex.schema.alterTable('leads', (t) => {
    t.text('account_domain');
    t.index(['org_id', 'account_domain']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('leads', (t) => t.dropColumn('account_domain'));
  await knex.schema.dropTable('accounts');
}
