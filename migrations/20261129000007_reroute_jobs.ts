import type { Knex } from 'knex';

/** Re-routing a selection of leads as one tracked job (POST /v1/leads/reroute): its leads fixed when it starts. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('reroute_jobs', (t) => {
    t.text('id').primary();
    t.text('org_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.jsonb('selection').notNullable();
    t.specificType('lead_ids', 'text[]').notNullable();
    t.text('status').notNullable().defaultTo('RUNNING').checkIn(['RUNNING', 'COMPLETED']);
    t.integer('processed').notNullable().defaultTo(0);
    t.integer('moved').notNullable().defaultTo(0);
    t.integer('unchanged').notNullable().defaultTo(0);
    t.integer('failed').notNullable().defaultTo(0);
    t.jsonb('failures').notNullable().defaultTo('[]');
    t.text('actor_key_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.index(['org_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('reroute_jobs');
}
