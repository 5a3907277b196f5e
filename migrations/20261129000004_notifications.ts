import type { Knex } from 'knex';

const ID = 'text COLLATE "C"';

// Notifications: organization settings (default time zone, escalation contacts, Slack incoming webhooks, an
// SMTP relay of its own, defaults), reps' preferences, and the notifications themselves: an outbox written
// in the same transaction as the timeline event that causes them, sent by the worker through Temporal.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('organizations', (t) => {
    t.text('timezone').notNullable().defaultTo('UTC');
    t.specificType('escalation_contacts', 'text[] COLLATE "C"').notNullable().defaultTo('{}');
    // Secrets are sealed with ENCRYPTION_KEYS (enc:v1:…), like webhook signing secrets.
    t.text('slack_webhook_url');
    t.jsonb('team_slack_webhook_urls').notNullable().defaultTo('{}');
    t.text('smtp_url');
    t.text('mail_from');
    t.boolean('notify_on_assign').notNullable().defaultTo(false);
    t.boolean('notify_on_give_up').notNullable().defaultTo(true);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.alterTable('reps', (t) => {
    t.boolean('notify_email').notNullable().defaultTo(true);
    t.boolean('notify_slack').notNullable().defaultTo(true);
    t.text('slack_user_id');
  });
  await knex.schema.createTable('notifications', (t) => {
    t.specificType('id', ID).primary();
    t.specificType('org_id', ID).notNullable().references('organizations.id').onDelete('CASCADE');
    t.specificType('lead_id', ID).notNullable().references('leads.id').onDelete('CASCADE');
    t.specificType('event_id', ID).notNullable();
    t.text('kind').notNullable();
    t.text('channel').notNullable();
    t.specificType('recipient_rep_id', ID);
    t.text('recipient').notNullable();
    t.text('status').notNullable().defaultTo('PENDING');
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.text('subject').notNullable();
    t.text('body_text').notNullable();
    t.text('body_html');
    t.jsonb('slack_message');
    // One per (lead, step, recipient, channel): a retried step queues nothing twice.
    t.text('dedupe_key').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('dispatched_at', { useTz: true });
    t.timestamp('last_attempt_at', { useTz: true });
    t.timestamp('sent_at', { useTz: true });
    t.index(['org_id', 'id']);
    t.index(['lead_id']);
  });
  await knex.raw("CREATE INDEX notifications_undispatched ON notifications (created_at) WHERE dispatched_at IS NULL AND status = 'PENDING'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('notifications');
  await knex.schema.alterTable('reps', (t) => {
    t.dropColumns('notify_email', 'notify_slack', 'slack_user_id');
  });
  await knex.schema.alterTable('organizations', (t) => {
    t.dropColumns('timezone', 'escalation_contacts', 'slack_webhook_url', 'team_slack_webhook_urls', 'smtp_url', 'mail_from', 'notify_on_assign', 'notify_on_give_up', 'updated_at');
  });
}
