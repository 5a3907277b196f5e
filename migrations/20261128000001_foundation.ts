import type { Knex } from 'knex';

// Ids sort by creation time only under byte-wise collation, so every id column uses COLLATE "C".
const ID = 'text COLLATE "C"';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('organizations', (t) => {
    t.specificType('id', ID).primary();
    t.text('name').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('api_keys', (t) => {
    t.specificType('id', ID).primary();
    t.specificType('org_id', ID).notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('kind').notNullable().checkIn(['SECRET', 'RESTRICTED']);
    t.text('token_hash').notNullable().unique();
    t.text('token_hint').notNullable();
    t.specificType('scopes', 'text[]').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.index(['org_id', 'id']);
  });

  await knex.schema.createTable('idempotency_keys', (t) => {
    t.specificType('org_id', ID).notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('key').notNullable();
    t.text('method').notNullable();
    t.text('path').notNullable();
    t.text('request_hash').notNullable();
    t.integer('status_code');
    t.jsonb('response');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('completed_at', { useTz: true });
    t.primary(['org_id', 'key']);
    t.index(['created_at']);
  });

  await knex.schema.createTable('reps', (t) => {
    t.specificType('id', ID).primary();
    t.specificType('org_id', ID).notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('email').notNullable();
    t.text('status').notNullable().checkIn(['AVAILABLE', 'AWAY', 'OFFLINE']);
    t.specificType('teams', 'text[]').notNullable().defaultTo('{}');
    t.integer('weight').notNullable().defaultTo(1);
    t.integer('max_open_leads');
    t.integer('daily_cap');
    t.text('timezone').notNullable().defaultTo('UTC');
    t.jsonb('working_hours');
    t.jsonb('out_of_office').notNullable().defaultTo('[]');
    t.specificType('manager_id', ID).references('reps.id');
    t.integer('open_leads').notNullable().defaultTo(0);
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('deactivated_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['org_id', 'id']);
  });
  await knex.raw('CREATE UNIQUE INDEX reps_org_email_active ON reps (org_id, email) WHERE active');
  await knex.raw('CREATE INDEX reps_teams_gin ON reps USING gin (teams)');
  await knex.raw('ALTER TABLE reps ADD CONSTRAINT reps_open_leads_nonnegative CHECK (open_leads >= 0)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('reps');
  await knex.schema.dropTable('idempotency_keys');
  await knex.schema.dropTable('api_keys');
  await knex.schema.dropTable('organizations');
}
