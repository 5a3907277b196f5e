import type { Knex } from 'knex';

// One random id per Routeswit database: its workers carry it in their Temporal identity, and refuse to share a
// task queue with workers of another deployment (another database), which would take each other's leads.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('deployment', (t) => {
    t.text('id').primary();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw("INSERT INTO deployment (id) VALUES ('dep_' || replace(gen_random_uuid()::text, '-', ''))");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('deployment');
}
