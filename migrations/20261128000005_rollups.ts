import type { Knex } from 'knex';
import { createRollupTables, dropRollupTables } from '../src/db/rollups';

// The rollup definitions live in src/db/rollups.ts, where the live queries are built from them too. A change
// to a definition comes with a migration that drops and recreates the tables, as this one creates them.
export async function up(knex: Knex): Promise<void> {
  await createRollupTables(knex);
}

export async function down(knex: Knex): Promise<void> {
  await dropRollupTables(knex);
}
