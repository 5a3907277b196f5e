import type { Knex } from 'knex';
import { createRollupTables, dropRollupTables } from '../src/db/rollups';

const ID = 'text COLLATE "C"';

// The rollup definitions live in src/db/rollups.ts, where the live queries are built from them too. A change
// to a definition comes with a migration that drops and recreates the tables, as this one creates them.
export async function up(knex: Knex): Promise<void> {
  // Who held the lead when its SLA first breached: per-rep breach figures count it against that rep.
  await knex.schema.alterTable('leads', (t) => {
    t.specificType('breached_rep_id', ID);
  });
  await createRollupTables(knex);
}

export async function down(knex: Knex): Promise<void> {
  await dropRollupTables(knex);
  await knex.schema.alterTable('leads', (t) => {
    t.dropColumn('breached_rep_id');
  });
}
