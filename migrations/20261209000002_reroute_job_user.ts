import type { Knex } from 'knex';

/** A reroute job started from the console names the person, as an audit entry does (not their session in actor_key_id). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('reroute_jobs', (t) => {
    t.text('actor_user_id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('reroute_jobs', (t) => {
    t.dropColumn('actor_user_id');
  });
}
