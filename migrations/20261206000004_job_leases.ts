import type { Knex } from 'knex';

/**
 * Background jobs (sweeper, dispatcher) ran each round inside a transaction holding an advisory lock, across
 * calls to Temporal: a round waiting on Temporal held a transaction open (and a connection idle in it), and
 * behind a pooler in transaction mode the lock meant nothing. A lease row says who runs a job until when.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('job_leases', (t) => {
    t.text('name').primary();
    t.text('holder').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('job_leases');
}
