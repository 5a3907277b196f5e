import type { Knex } from 'knex';

/** Business calendars: dated closures and half days for an organization, a team or a rep, in a time zone. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('calendars', (t) => {
    t.text('id').primary();
    t.text('org_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('timezone').notNullable();
    t.text('scope').notNullable().checkIn(['ORGANIZATION', 'TEAM', 'REP']);
    t.text('team');
    t.text('rep_id');
    t.jsonb('closures').notNullable().defaultTo('[]');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['org_id', 'scope']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('calendars');
}
