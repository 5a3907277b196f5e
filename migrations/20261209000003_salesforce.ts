import type { Knex } from 'knex';

/**
 * Salesforce beside HubSpot: a connection may be either; the API host a Salesforce token names (instance_url)
 * is kept with the token; outbound messages prove themselves with a token whose hash is kept; a rep's
 * Salesforce user id names one rep.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE crm_connections DROP CONSTRAINT crm_connections_crm_check');
  await knex.raw("ALTER TABLE crm_connections ADD CONSTRAINT crm_connections_crm_check CHECK (crm IN ('hubspot', 'salesforce'))");
  await knex.schema.alterTable('crm_connections', (t) => {
    t.text('instance_url');
    t.text('intake_token_hash');
  });
  await knex.raw("CREATE UNIQUE INDEX IF NOT EXISTS reps_salesforce_user ON reps (org_id, (crm->>'salesforce_user_id')) WHERE active AND crm->>'salesforce_user_id' IS NOT NULL");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS reps_salesforce_user');
  await knex.schema.alterTable('crm_connections', (t) => {
    t.dropColumn('instance_url');
    t.dropColumn('intake_token_hash');
  });
  await knex('crm_connections').where({ crm: 'salesforce' }).delete();
  await knex.raw('ALTER TABLE crm_connections DROP CONSTRAINT crm_connections_crm_check');
  await knex.raw("ALTER TABLE crm_connections ADD CONSTRAINT crm_connections_crm_check CHECK (crm IN ('hubspot'))");
}
