import type { Knex } from 'knex';

/** A manager's teams: the intelligence they see is limited to these (issue 29). */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("ALTER TABLE users ADD COLUMN teams text[] NOT NULL DEFAULT '{}'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE users DROP COLUMN teams');
}
