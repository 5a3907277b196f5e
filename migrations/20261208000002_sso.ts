import type { Knex } from 'knex';

/**
 * Single sign-on with OpenID Connect, one identity provider per organization, found by the email domains it
 * answers for (unique across organizations), and the sign-ins under way (state, nonce and PKCE verifier,
 * kept server side for ten minutes).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sso_connections', (t) => {
    t.text('org_id').primary().references('organizations.id').onDelete('CASCADE');
    t.text('issuer').notNullable();
    t.text('client_id').notNullable();
    t.text('client_secret').notNullable();
    t.specificType('email_domains', 'text[]').notNullable();
    t.text('default_role').notNullable();
    t.text('role_claim');
    t.jsonb('role_map').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX sso_connections_domains ON sso_connections USING gin (email_domains)');
  await knex.schema.createTable('sso_logins', (t) => {
    t.text('state_hash').primary();
    t.text('org_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('nonce').notNullable();
    t.text('code_verifier').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sso_logins');
  await knex.schema.dropTable('sso_connections');
}
