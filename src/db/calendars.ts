import type { Knex } from 'knex';
import type { Db } from './knex';
import { closureIntervals, type Closure } from '../routing/time';

type Conn = Db | Knex.Transaction;

export interface CalendarRow {
  id: string;
  org_id: string;
  name: string;
  timezone: string;
  scope: 'ORGANIZATION' | 'TEAM' | 'REP';
  team: string | null;
  rep_id: string | null;
  closures: Closure[];
  created_at: Date;
  updated_at: Date;
}

export async function insertCalendar(db: Conn, row: Omit<CalendarRow, 'created_at' | 'updated_at'>): Promise<CalendarRow> {
  const [created] = await db('calendars').insert({ ...row, closures: JSON.stringify(row.closures) }).returning('*');
  return created as CalendarRow;
}

export function findCalendar(db: Conn, orgId: string, id: string): Promise<CalendarRow | undefined> {
  return db<CalendarRow>('calendars').where({ org_id: orgId, id }).first();
}

export async function updateCalendar(db: Conn, orgId: string, id: string, patch: Partial<Pick<CalendarRow, 'name' | 'timezone' | 'closures'>>): Promise<CalendarRow | undefined> {
  const values: Record<string, unknown> = { ...patch, updated_at: db.fn.now() };
  if (patch.closures) values.closures = JSON.stringify(patch.closures);
  const [row] = await db('calendars').where({ org_id: orgId, id }).update(values).returning('*');
  return row as CalendarRow | undefined;
}

export async function deleteCalendar(db: Conn, orgId: string, id: string): Promise<number> {
  return db('calendars').where({ org_id: orgId, id }).delete();
}

/** Calendars that apply to any of these reps: the organization's, their teams', their own. */
function applying(db: Conn, orgId: string, reps: ReadonlyArray<{ id: string; teams: string[] }>): Knex.QueryBuilder {
  const teams = [...new Set(reps.flatMap((r) => r.teams))];
  return db('calendars')
    .where({ org_id: orgId })
    .andWhere((w) => {
      w.where({ scope: 'ORGANIZATION' });
      if (teams.length) w.orWhere((t) => t.where({ scope: 'TEAM' }).whereIn('team', teams));
      w.orWhere((t) => t.where({ scope: 'REP' }).whereIn('rep_id', reps.map((r) => r.id)));
    });
}

export function listCalendars(db: Db, orgId: string, f: { scope?: string; rep?: { id: string; teams: string[] } }, after: string | undefined, limit: number): Promise<CalendarRow[]> {
  const q = (f.rep ? applying(db, orgId, [f.rep]) : db('calendars').where({ org_id: orgId })).orderBy('id', 'asc').limit(limit);
  if (f.scope) q.andWhere({ scope: f.scope });
  if (after) q.andWhere('id', '>', after);
  return q;
}

/** Each rep's closed time (see routing/time.ts), from every calendar that applies to them; reps without any are left out. */
export async function closuresOf(db: Conn, orgId: string, reps: ReadonlyArray<{ id: string; teams: string[] }>): Promise<Map<string, Array<[number, number]>>> {
  const out = new Map<string, Array<[number, number]>>();
  if (!reps.length) return out;
  const calendars: CalendarRow[] = await applying(db, orgId, reps).select('scope', 'team', 'rep_id', 'timezone', 'closures');
  if (!calendars.length) return out;
  for (const rep of reps) {
    const own = calendars.filter((c) => c.scope === 'ORGANIZATION' || (c.scope === 'TEAM' && rep.teams.includes(c.team!)) || (c.scope === 'REP' && c.rep_id === rep.id));
    const closed = closureIntervals(own);
    if (closed.length) out.set(rep.id, closed);
  }
  return out;
}
