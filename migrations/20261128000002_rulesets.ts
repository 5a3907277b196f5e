import type { Knex } from 'knex';

const ID = 'text COLLATE "C"';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rulesets', (t) => {
    t.specificType('id', ID).primary();
    t.specificType('org_id', ID).notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('status').notNullable().checkIn(['DRAFT', 'ACTIVE', 'ARCHIVED']);
    t.integer('version');
    t.jsonb('definition').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('published_at', { useTz: true });
    t.timestamp('activated_at', { useTz: true });
    t.index(['org_id', 'id']);
  });
  // One ACTIVE ruleset per organization, and version numbers unique within it: enforced by the database.
  await knex.raw(`CREATE UNIQUE INDEX rulesets_one_active ON rulesets (org_id) WHERE status = 'ACTIVE'`);
  await knex.raw('CREATE UNIQUE INDEX rulesets_org_version ON rulesets (org_id, version) WHERE version IS NOT NULL');
  // A published version is immutable even to a buggy caller.
  await knex.raw(`
    CREATE FUNCTION rulesets_published_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.version IS NOT NULL AND (NEW.definition IS DISTINCT FROM OLD.definition
          OR NEW.name IS DISTINCT FROM OLD.name OR NEW.version IS DISTINCT FROM OLD.version) THEN
        RAISE EXCEPTION 'ruleset % version % is published and immutable', OLD.id, OLD.version;
      END IF;
      RETURN NEW;
    END $$`);
  await knex.raw(`CREATE TRIGGER rulesets_published_immutable BEFORE UPDATE ON rulesets
    FOR EACH ROW EXECUTE FUNCTION rulesets_published_immutable()`);

  // Routing state that selection reads and the assign activity updates under row locks.
  await knex.schema.createTable('routing_pools', (t) => {
    t.specificType('org_id', ID).notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('pool_key').notNullable();
    t.specificType('last_rep_id', ID);
    t.jsonb('credits').notNullable().defaultTo('{}');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['org_id', 'pool_key']);
  });
  await knex.schema.createTable('rep_daily_counts', (t) => {
    t.specificType('rep_id', ID).notNullable().references('reps.id').onDelete('CASCADE');
    t.date('day').notNullable();
    t.integer('assigned').notNullable().defaultTo(0);
    t.primary(['rep_id', 'day']);
  });
  await knex.schema.alterTable('reps', (t) => {
    t.timestamp('last_assigned_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('reps', (t) => {
    t.dropColumn('last_assigned_at');
  });
  await knex.schema.dropTable('rep_daily_counts');
  await knex.schema.dropTable('routing_pools');
  await knex.schema.dropTable('rulesets');
  await knex.raw('DROP FUNCTION rulesets_published_immutable()');
}
