import type { Knex } from 'knex';

/**
 * CRM connections (HubSpot first): one per organization and CRM, its account unique across organizations
 * (webhooks find the organization by it), secrets sealed with the keyring. Beside it: the events CRM webhooks
 * delivered (each taken once, however often they are sent), the owner writes assignments ask for (an outbox,
 * one row per assignment), the requests sent per account (the shared rate budget), and each rep's CRM ids.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('crm_connections', (t) => {
    t.text('org_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('crm').notNullable();
    t.text('account_id').notNullable();
    t.text('secrets').notNullable();
    t.text('oauth_client_id');
    t.text('access_token');
    t.timestamp('access_token_expires_at', { useTz: true });
    t.jsonb('options').notNullable();
    t.timestamp('paused_until', { useTz: true });
    t.timestamp('last_event_at', { useTz: true });
    t.timestamp('last_write_at', { useTz: true });
    t.timestamp('last_owner_sync_at', { useTz: true });
    t.timestamps(true, true);
    t.primary(['org_id', 'crm']);
    t.unique(['crm', 'account_id']);
  });
  await knex.raw("ALTER TABLE crm_connections ADD CONSTRAINT crm_connections_crm_check CHECK (crm IN ('hubspot'))");

  await knex.schema.createTable('crm_requests', (t) => {
    t.text('crm').notNullable();
    t.text('account_id').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.index(['crm', 'account_id', 'at']);
  });

  await knex.schema.createTable('crm_events', (t) => {
    t.text('id').primary();
    t.text('org_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('crm').notNullable();
    t.text('event_key').notNullable();
    t.text('batch_id').notNullable();
    // The task queue whose workers take it (one per deployment; a test stack has its own).
    t.text('task_queue').notNullable();
    t.text('kind').notNullable();
    t.text('object_id').notNullable();
    t.text('property');
    t.text('status').notNullable().defaultTo('PENDING');
    t.text('lead_id');
    t.text('note');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('dispatched_at', { useTz: true });
    t.timestamp('done_at', { useTz: true });
    t.unique(['org_id', 'crm', 'event_key']);
    t.index(['batch_id']);
  });
  await knex.raw("ALTER TABLE crm_events ADD CONSTRAINT crm_events_status_check CHECK (status IN ('PENDING', 'DONE', 'IGNORED', 'FAILED'))");
  await knex.raw("CREATE INDEX crm_events_undispatched ON crm_events (task_queue, received_at) WHERE dispatched_at IS NULL");
  await knex.raw("CREATE INDEX crm_events_pending ON crm_events (dispatched_at) WHERE status = 'PENDING'");

  await knex.schema.createTable('crm_writes', (t) => {
    t.text('id').primary();
    t.text('org_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('lead_id').notNullable().references('leads.id').onDelete('CASCADE');
    t.text('crm').notNullable();
    t.text('object_id').notNullable();
    t.text('rep_id').notNullable();
    t.text('step_key').notNullable();
    t.text('task_queue').notNullable();
    t.text('status').notNullable().defaultTo('PENDING');
    t.text('owner_id');
    t.integer('http_status');
    t.text('error');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('dispatched_at', { useTz: true });
    t.timestamp('done_at', { useTz: true });
    t.unique(['lead_id', 'crm', 'step_key']);
  });
  await knex.raw("ALTER TABLE crm_writes ADD CONSTRAINT crm_writes_status_check CHECK (status IN ('PENDING', 'SYNCED', 'FAILED', 'SKIPPED', 'SUPERSEDED'))");
  await knex.raw("CREATE INDEX crm_writes_pending ON crm_writes (lead_id, crm, created_at) WHERE status = 'PENDING'");
  await knex.raw('CREATE INDEX crm_writes_undispatched ON crm_writes (task_queue, created_at) WHERE dispatched_at IS NULL');
  await knex.raw('CREATE INDEX crm_writes_done ON crm_writes (org_id, crm, done_at)');

  await knex.raw("ALTER TABLE reps ADD COLUMN IF NOT EXISTS crm jsonb NOT NULL DEFAULT '{}'::jsonb");
  await knex.raw("CREATE UNIQUE INDEX IF NOT EXISTS reps_hubspot_owner ON reps (org_id, (crm->>'hubspot_owner_id')) WHERE active AND crm->>'hubspot_owner_id' IS NOT NULL");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS reps_hubspot_owner');
  await knex.raw('ALTER TABLE reps DROP COLUMN IF EXISTS crm');
  await knex.schema.dropTableIfExists('crm_writes');
  await knex.schema.dropTableIfExists('crm_events');
  await knex.schema.dropTableIfExists('crm_requests');
  await knex.schema.dropTableIfExists('crm_connections');
}
