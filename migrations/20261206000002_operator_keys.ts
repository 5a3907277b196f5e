import type { Knex } from 'knex';

/**
 * Operator keys (payloads:decode, the Temporal codec endpoint) lived inside a tenant organization, whose own
 * secret key could then list and revoke them. They get a table of their own, outside every tenant, and the
 * keys already made move there (same id and token, so they keep working).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('operator_keys', (t) => {
    t.specificType('id', 'text COLLATE "C"').primary();
    t.text('name').notNullable();
    t.text('token_hash').notNullable().unique();
    t.text('token_hint').notNullable();
    t.specificType('scopes', 'text[]').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
  });
  await moveOperatorKeys(knex);
}

/** Keys with an operator scope leave their tenant organization for operator_keys. */
export async function moveOperatorKeys(knex: Knex): Promise<number> {
  const moved = await knex.raw(`
    WITH gone AS (DELETE FROM api_keys WHERE scopes && ARRAY['payloads:decode']::text[] RETURNING *)
    INSERT INTO operator_keys (id, name, token_hash, token_hint, scopes, created_at, last_used_at, revoked_at)
    SELECT id, name, token_hash, token_hint, scopes, created_at, last_used_at, revoked_at FROM gone`);
  return (moved as { rowCount: number }).rowCount;
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('operator_keys');
}
