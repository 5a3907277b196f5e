import type { Knex } from 'knex';

const ID = 'text COLLATE "C"';

export async function up(knex: Knex): Promise<void> {
  // What routing decided, as plain columns, so performance queries read an index instead of JSON.
  await knex.schema.alterTable('leads', (t) => {
    t.text('team');
    t.text('rule_id');
    t.timestamp('breached_at', { useTz: true });
    // When it last became UNASSIGNED: monitors measure waiting time from here.
    t.timestamp('unassigned_since', { useTz: true });
  });
  await knex.raw('ALTER TABLE leads ADD COLUMN has_sla boolean GENERATED ALWAYS AS (sla IS NOT NULL) STORED');
  // Index-only scans over an organization's leads in a time window, for every metric.
  await knex.raw(`CREATE INDEX leads_intelligence ON leads (org_id, received_at)
    INCLUDE (status, assigned_rep_id, team, rule_id, assigned_at, first_touch_at, has_sla, breached_at, reassignment_count)`);
  await knex.raw('CREATE INDEX activities_org_time ON activities (org_id, occurred_at) INCLUDE (type, outcome, rep_id)');
  await knex.raw('CREATE INDEX assignments_org_time ON assignments (org_id, assigned_at) INCLUDE (rep_id)');
  await knex.raw("CREATE INDEX events_breaches ON events (org_id, occurred_at) INCLUDE (rep_id) WHERE type = 'SLA_BREACHED'");

  await knex.schema.createTable('webhooks', (t) => {
    t.specificType('id', ID).primary();
    t.specificType('org_id', ID).notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('url').notNullable();
    t.text('description');
    t.specificType('events', 'text[]').notNullable();
    // The signing secret has to be readable to sign with; it is shown to the API client only once.
    t.text('secret').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['org_id', 'id']);
  });

  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.specificType('id', ID).primary();
    t.specificType('org_id', ID).notNullable().references('organizations.id').onDelete('CASCADE');
    t.specificType('webhook_id', ID).notNullable().references('webhooks.id').onDelete('CASCADE');
    t.text('event_id').notNullable();
    t.text('event_type').notNullable();
    t.jsonb('payload').notNullable();
    t.text('status').notNullable().checkIn(['PENDING', 'DELIVERED', 'FAILED']);
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('last_status_code');
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('dispatched_at', { useTz: true });
    t.timestamp('last_attempt_at', { useTz: true });
    t.timestamp('delivered_at', { useTz: true });
    t.unique(['webhook_id', 'event_id']);
    t.index(['webhook_id', 'id']);
  });
  await knex.raw("CREATE INDEX webhook_deliveries_to_dispatch ON webhook_deliveries (created_at) WHERE status = 'PENDING' AND dispatched_at IS NULL");

  await knex.schema.createTable('sla_monitors', (t) => {
    t.specificType('id', ID).primary();
    t.specificType('org_id', ID).notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('kind').notNullable().checkIn(['BREACH_RATE', 'UNASSIGNED_AGE', 'REP_OPEN_UNTOUCHED']);
    t.jsonb('params').notNullable();
    t.integer('interval_minutes').notNullable();
    t.boolean('paused').notNullable().defaultTo(false);
    t.text('state').notNullable().defaultTo('OK').checkIn(['OK', 'BREACHING']);
    t.double('last_value');
    t.timestamp('last_evaluated_at', { useTz: true });
    t.text('schedule_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['org_id', 'id']);
  });

  await knex.schema.createTable('alerts', (t) => {
    t.specificType('id', ID).primary();
    t.specificType('org_id', ID).notNullable().references('organizations.id').onDelete('CASCADE');
    t.specificType('monitor_id', ID).references('sla_monitors.id').onDelete('SET NULL');
    t.text('kind').notNullable();
    t.text('message').notNullable();
    t.double('value');
    t.double('threshold');
    t.timestamp('raised_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('resolved_at', { useTz: true });
    t.index(['org_id', 'id']);
  });

  await knex.schema.createTable('digests', (t) => {
    t.specificType('id', ID).primary();
    t.specificType('org_id', ID).notNullable().references('organizations.id').onDelete('CASCADE');
    t.date('day').notNullable();
    t.integer('breaches').notNullable();
    t.jsonb('items').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['org_id', 'day']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('digests');
  await knex.schema.dropTable('alerts');
  await knex.schema.dropTable('sla_monitors');
  await knex.schema.dropTable('webhook_deliveries');
  await knex.schema.dropTable('webhooks');
  await knex.raw('DROP INDEX events_breaches');
  await knex.raw('DROP INDEX assignments_org_time');
  await knex.raw('DROP INDEX activities_org_time');
  await knex.raw('DROP INDEX leads_intelligence');
  await knex.schema.alterTable('leads', (t) => {
    t.dropColumn('has_sla');
    t.dropColumn('team');
    t.dropColumn('rule_id');
    t.dropColumn('breached_at');
    t.dropColumn('unassigned_since');
  });
}
