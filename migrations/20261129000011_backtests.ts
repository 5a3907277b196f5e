import type { Knex } from 'knex';

/**
 * What a backtest needs to replay the past faithfully: every change of a rep's routing state (status, teams,
 * capacity, caps, hours, out of office), written by a trigger in the transaction that makes it, and the pool
 * each assignment was drawn from (where a round-robin pointer stood at any moment). Reps that existed before
 * this migration get their current state from their creation: backtests are faithful from here on.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rep_history', (t) => {
    t.bigIncrements('seq');
    t.text('org_id').notNullable();
    t.text('rep_id').notNullable();
    t.timestamp('valid_from', { useTz: true }).notNullable();
    t.text('status').notNullable();
    t.boolean('active').notNullable();
    t.specificType('teams', 'text[]').notNullable();
    t.integer('weight').notNullable();
    t.integer('max_open_leads');
    t.integer('daily_cap');
    t.text('timezone').notNullable();
    t.jsonb('working_hours');
    t.jsonb('out_of_office').notNullable();
    t.index(['org_id', 'valid_from']);
  });
  await knex.raw(`
    CREATE FUNCTION record_rep_history() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' OR (NEW.status, NEW.active, NEW.teams, NEW.weight, NEW.max_open_leads, NEW.daily_cap, NEW.timezone, NEW.working_hours, NEW.out_of_office)
         IS DISTINCT FROM (OLD.status, OLD.active, OLD.teams, OLD.weight, OLD.max_open_leads, OLD.daily_cap, OLD.timezone, OLD.working_hours, OLD.out_of_office) THEN
        INSERT INTO rep_history (org_id, rep_id, valid_from, status, active, teams, weight, max_open_leads, daily_cap, timezone, working_hours, out_of_office)
        VALUES (NEW.org_id, NEW.id, now(), NEW.status, NEW.active, NEW.teams, NEW.weight, NEW.max_open_leads, NEW.daily_cap, NEW.timezone, NEW.working_hours, NEW.out_of_office);
      END IF;
      RETURN NULL;
    END $$`);
  await knex.raw('CREATE TRIGGER reps_history AFTER INSERT OR UPDATE ON reps FOR EACH ROW EXECUTE FUNCTION record_rep_history()');
  await knex.raw(`
    INSERT INTO rep_history (org_id, rep_id, valid_from, status, active, teams, weight, max_open_leads, daily_cap, timezone, working_hours, out_of_office)
    SELECT org_id, id, created_at, status, active, teams, weight, max_open_leads, daily_cap, timezone, working_hours, out_of_office FROM reps`);
  await knex.schema.alterTable('assignments', (t) => {
    t.text('pool_key');
  });
  await knex.schema.createTable('backtests', (t) => {
    t.text('id').primary();
    t.text('org_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.text('ruleset_id').notNullable();
    t.integer('ruleset_version');
    t.jsonb('request').notNullable();
    t.text('status').notNullable().defaultTo('RUNNING').checkIn(['RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED']);
    t.integer('leads_total');
    t.integer('leads_done').notNullable().defaultTo(0);
    t.jsonb('report');
    t.text('error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.index(['org_id', 'ruleset_id', 'status']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('backtests');
  await knex.schema.alterTable('assignments', (t) => t.dropColumn('pool_key'));
  await knex.raw('DROP TRIGGER reps_history ON reps');
  await knex.raw('DROP FUNCTION record_rep_history()');
  await knex.schema.dropTable('rep_history');
}
