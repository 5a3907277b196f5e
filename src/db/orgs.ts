import type { Db } from './knex';
import { newId } from '../ids';

export interface OrgRow {
  id: string;
  name: string;
  created_at: Date;
}

export async function createOrg(db: Db, name: string): Promise<OrgRow> {
  const [row] = await db<OrgRow>('organizations').insert({ id: newId('org'), name }).returning('*');
  return row!;
}

export function findOrg(db: Db, id: string): Promise<OrgRow | undefined> {
  return db<OrgRow>('organizations').where({ id }).first();
}

export function listOrgs(db: Db): Promise<OrgRow[]> {
  return db<OrgRow>('organizations').orderBy('id');
}

export async function listOrgIds(db: Db): Promise<string[]> {
  return (await db<OrgRow>('organizations').orderBy('id').select('id')).map((r) => r.id);
}
