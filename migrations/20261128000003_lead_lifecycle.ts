import type { Knex } from 'knex';

const ID = 'text COLLATE "C"';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('contacts', (t) => {
    t.specificType('id', ID).primary();
    t.specificType('org_id', ID).notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('email');
    t.text('external_id');
    t.text('name');
    t.text('phone');
    t.text('company');
    t.specificType('owner_rep_id', ID).references('reps.id');
    t.jsonb('attributes').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['org_id', 'id']);
  });
  await knex.raw("ALTER TABLE contacts ADD COLUMN email_domain text GENERATED ALWAYS AS (lower(split_part(email, '@', 2))) STORED");
  await knex.raw('CREATE UNIQUE INDEX contacts_org_email ON contacts (org_id, email) WHERE email IS NOT NULL');
  await knex.raw('CREATE UNIQUE INDEX contacts_org_external_id ON contacts (org_id, external_id) WHERE external_id IS NOT NULL');
  // OWNER routing looks for owners of other contacts at the same company domain.
  await knex.raw('CREATE INDEX contacts_owner_by_domain ON contacts (org_id, email_domain, updated_at DESC) WHERE owner_rep_id IS NOT NULL');

  await knex.schema.createTable('leads', (t) => {
    t.specificType('id', ID).primary();
    t.specificType('org_id', ID).notNullable().references('organizations.id').onDelete('CASCADE');
    t.specificType('contact_id', ID).notNullable().references('contacts.id');
    t.text('email').notNullable();
    t.text('first_name');
    t.text('last_name');
    t.text('company');
    t.text('domain');
    t.text('country');
    t.text('state');
    t.text('source');
    t.double('score');
    t.bigInteger('employees');
    t.text('industry');
    t.text('external_id');
    t.jsonb('attributes').notNullable().defaultTo('{}');
    t.text('idempotency_key');
    t.text('status').notNullable().checkIn(['ROUTING', 'ASSIGNED', 'CONTACTED', 'UNASSIGNED', 'CLOSED']);
    t.specificType('assigned_rep_id', ID).references('reps.id');
    t.text('unassigned_reason');
    // While UNASSIGNED for want of a rep: the pools it waits on, so a rep who becomes eligible wakes it.
    t.specificType('waiting_teams', 'text[]');
    t.specificType('waiting_rep_ids', 'text[]');
    t.jsonb('routing');
    t.jsonb('sla');
    t.timestamp('sla_due_at', { useTz: true });
    t.timestamp('first_touch_at', { useTz: true });
    t.timestamp('assigned_at', { useTz: true });
    t.timestamp('closed_at', { useTz: true });
    t.text('close_reason');
    t.integer('reassignment_count').notNullable().defaultTo(0);
    t.text('workflow_id').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE UNIQUE INDEX leads_org_external_id ON leads (org_id, external_id) WHERE external_id IS NOT NULL');
  await knex.raw('CREATE UNIQUE INDEX leads_org_idempotency_key ON leads (org_id, idempotency_key) WHERE idempotency_key IS NOT NULL');
  await knex.raw('CREATE INDEX leads_org_id ON leads (org_id, id)');
  await knex.raw('CREATE INDEX leads_org_status ON leads (org_id, status, id)');
  await knex.raw('CREATE INDEX leads_org_rep ON leads (org_id, assigned_rep_id, id)');
  await knex.raw('CREATE INDEX leads_contact ON leads (contact_id)');
  // The sweeper finds leads whose workflow may never have started.
  await knex.raw("CREATE INDEX leads_routing_since ON leads (received_at) WHERE status = 'ROUTING'");
  await knex.raw("CREATE INDEX leads_waiting ON leads (org_id) WHERE status = 'UNASSIGNED'");

  await knex.schema.createTable('assignments', (t) => {
    t.specificType('id', ID).primary();
    t.specificType('org_id', ID).notNullable().references('organizations.id').onDelete('CASCADE');
    t.specificType('lead_id', ID).notNullable().references('leads.id').onDelete('CASCADE');
    t.specificType('rep_id', ID).notNullable().references('reps.id');
    t.integer('seq').notNullable();
    t.text('reason').notNullable();
    t.text('rule_id');
    t.text('strategy');
    t.timestamp('assigned_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('ended_at', { useTz: true });
    t.text('end_reason');
    t.unique(['lead_id', 'seq']);
    t.index(['org_id', 'rep_id', 'assigned_at']);
  });
  // A lead never has two assignments open at once: the database enforces it.
  await knex.raw('CREATE UNIQUE INDEX assignments_one_open_per_lead ON assignments (lead_id) WHERE ended_at IS NULL');
  await knex.raw('CREATE INDEX assignments_open_by_rep ON assignments (rep_id) WHERE ended_at IS NULL');

  await knex.schema.createTable('events', (t) => {
    t.specificType('id', ID).primary();
    t.specificType('org_id', ID).notNullable().references('organizations.id').onDelete('CASCADE');
    t.specificType('lead_id', ID).notNullable().references('leads.id').onDelete('CASCADE');
    t.text('type').notNullable();
    t.specificType('rep_id', ID);
    t.jsonb('data').notNullable().defaultTo('{}');
    // Activities retry: the key makes each timeline step written at most once.
    t.text('step_key').notNullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['lead_id', 'step_key']);
    t.index(['org_id', 'type', 'occurred_at']);
  });
  // Steps written in one transaction share a timestamp; the sequence keeps them in the order they happened.
  await knex.raw('ALTER TABLE events ADD COLUMN seq bigserial');

  await knex.schema.createTable('activities', (t) => {
    t.specificType('id', ID).primary();
    t.specificType('org_id', ID).notNullable().references('organizations.id').onDelete('CASCADE');
    t.specificType('contact_id', ID).notNullable().references('contacts.id').onDelete('CASCADE');
    t.specificType('lead_id', ID).references('leads.id');
    t.specificType('rep_id', ID).references('reps.id');
    t.text('type').notNullable().checkIn(['CALL', 'MEETING', 'EMAIL', 'NOTE']);
    t.text('notes');
    t.text('outcome').checkIn(['POSITIVE', 'NEUTRAL', 'NEGATIVE', 'NO_ANSWER']);
    t.boolean('first_touch').notNullable().defaultTo(false);
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['contact_id', 'id']);
    t.index(['org_id', 'type', 'occurred_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('activities');
  await knex.schema.dropTable('events');
  await knex.schema.dropTable('assignments');
  await knex.schema.dropTable('leads');
  await knex.schema.dropTable('contacts');
}
