import type { Knex } from 'knex';

// An answer too large to keep for replays is not stored: the row remembers that the request was done, and
// how large its answer was, so a replay can say so instead of doing it again.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('idempotency_keys', (t) => {
    t.integer('response_bytes_not_kept');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('idempotency_keys', (t) => {
    t.dropColumn('response_bytes_not_kept');
  });
}
