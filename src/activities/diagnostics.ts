import type { Db } from '../db/knex';
import { migrationStatus } from '../db/migrate';

export function diagnosticsActivities(db: Db) {
  return {
    async databaseStatus(): Promise<{ now: string; pendingMigrations: string[] }> {
      const { rows } = await db.raw<{ rows: Array<{ now: Date }> }>('SELECT now() AS now');
      const { pending } = await migrationStatus(db);
      return { now: rows[0]!.now.toISOString(), pendingMigrations: pending };
    },
  };
}
export type DiagnosticsActivities = ReturnType<typeof diagnosticsActivities>;
