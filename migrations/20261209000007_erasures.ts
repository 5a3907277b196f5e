import type { Knex } from 'knex';

/** Erasures asked for (GDPR article 17, CCPA): a job with what it removed, never whom (no email is kept). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('privacy_erasures', (t) => {
    t.text('id').primary();
    t.text('org_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('status').notNullable();
    t.jsonb('counts').notNullable().defaultTo('{}');
    t.text('actor_key_id');
    t.text('actor_user_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.index(['org_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('privacy_erasures');
}
