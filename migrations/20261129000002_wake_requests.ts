import type { Knex } from 'knex';

const ID = 'text COLLATE "C"';

// "This rep has room again": written by the activity that freed the room, in its own transaction; the
// worker's dispatcher wakes the leads waiting for that rep and deletes the row. An outbox, so the signals
// go out after the commit, outside the lead's workflow task.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('wake_requests', (t) => {
    t.bigIncrements('id');
    t.specificType('org_id', ID).notNullable().references('organizations.id').onDelete('CASCADE');
    t.specificType('rep_id', ID).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('wake_requests');
}
