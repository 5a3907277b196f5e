import type { Db } from './knex';

/** This database's deployment id (made by its migration): what its workers are known by. */
export async function deploymentId(db: Db): Promise<string> {
  const row = await db('deployment').first<{ id: string }>('id');
  if (!row) throw new Error('this database has no deployment id: run the migrations (routeswit migrate)');
  return row.id;
}
