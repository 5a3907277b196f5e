import type { Knex } from 'knex';

/**
 * Territories as data: named value lists that conditions use (in_list). A ruleset keeps the values of the
 * lists it uses as they were when it was published (`lists`), so a published version never changes meaning.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('value_lists', (t) => {
    t.text('org_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('description');
    t.jsonb('values').notNullable();
    t.integer('value_count').notNullable();
    t.text('values_sha256').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['org_id', 'name']);
  });
  await knex.schema.alterTable('rulesets', (t) => {
    t.jsonb('lists');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rulesets', (t) => t.dropColumn('lists'));
  await knex.schema.dropTable('value_lists');
}
