import type { Knex } from 'knex';

// An Idempotency-Key belongs to the API key that sent it: another key reusing it makes its own request.
// Keys recorded before this migration get an empty key id, which no request matches, so they simply expire.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('idempotency_keys', (t) => {
    t.specificType('api_key_id', 'text COLLATE "C"').notNullable().defaultTo('');
  });
  await knex.raw('ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey');
  await knex.raw('ALTER TABLE idempotency_keys ADD PRIMARY KEY (org_id, api_key_id, key)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey');
  await knex.raw('DELETE FROM idempotency_keys a USING idempotency_keys b WHERE a.org_id = b.org_id AND a.key = b.key AND a.api_key_id > b.api_key_id');
  await knex.raw('ALTER TABLE idempotency_keys ADD PRIMARY KEY (org_id, key)');
  await knex.schema.alterTable('idempotency_keys', (t) => {
    t.dropColumn('api_key_id');
  });
}
