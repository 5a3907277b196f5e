import type { Db } from '../../src/db/knex';

/**
 * What must hold after any fault, checked against the database. Each returns a one-line verdict; `ok`
 * false means the invariant is broken.
 */
export interface Verdict {
  name: string;
  ok: boolean;
  detail: string;
}

const SETTLED = ['ASSIGNED', 'CONTACTED', 'UNASSIGNED', 'CLOSED'];

export async function acceptedLeadsSettled(db: Db, orgId: string, accepted: string[]): Promise<Verdict> {
  const rows: Array<{ id: string; status: string; unassigned_reason: string | null }> = await db('leads').where({ org_id: orgId }).select('id', 'status', 'unassigned_reason');
  const byId = new Map(rows.map((r) => [r.id, r]));
  const missing = accepted.filter((id) => !byId.has(id));
  const unsettled = rows.filter((r) => !SETTLED.includes(r.status) || (r.status === 'UNASSIGNED' && !r.unassigned_reason));
  return {
    name: 'every accepted lead exists and is ASSIGNED, CONTACTED or UNASSIGNED with a reason',
    ok: missing.length === 0 && unsettled.length === 0,
    detail: `${accepted.length} accepted, ${rows.length} stored, ${missing.length} missing, ${unsettled.length} unsettled${unsettled.length ? ` (e.g. ${unsettled[0]!.id} ${unsettled[0]!.status})` : ''}`,
  };
}

export async function oneOpenAssignment(db: Db, orgId: string): Promise<Verdict> {
  const rows: Array<{ lead_id: string; n: number }> = await db('assignments')
    .where({ org_id: orgId })
    .whereNull('ended_at')
    .groupBy('lead_id')
    .havingRaw('count(*) > 1')
    .select('lead_id')
    .count('* as n');
  const doubled: Array<{ n: number }> = await db('leads as l')
    .where('l.org_id', orgId)
    .whereIn('l.status', ['ASSIGNED', 'CONTACTED'])
    .whereNotExists((q) => q.select(db.raw(1)).from('assignments as a').whereRaw('a.lead_id = l.id AND a.ended_at IS NULL AND a.rep_id = l.assigned_rep_id'))
    .count('* as n');
  const orphaned = Number(doubled[0]?.n ?? 0);
  return {
    name: 'no lead has two simultaneous assignments (and every assigned lead has its one)',
    ok: rows.length === 0 && orphaned === 0,
    detail: `${rows.length} leads with more than one open assignment, ${orphaned} assigned leads without their open assignment`,
  };
}

export async function countersMatch(db: Db, orgId: string): Promise<Verdict> {
  const rows: Array<{ id: string; open_leads: number; actual: number }> = await db('reps as r')
    .where('r.org_id', orgId)
    .select('r.id', 'r.open_leads', db.raw('(SELECT count(*) FROM assignments a WHERE a.rep_id = r.id AND a.ended_at IS NULL)::int AS actual'));
  const wrong = rows.filter((r) => r.open_leads !== r.actual);
  return {
    name: "each rep's open-lead counter equals its open assignments",
    ok: wrong.length === 0,
    detail: wrong.length ? `${wrong.length} reps off, e.g. ${wrong[0]!.id}: counter ${wrong[0]!.open_leads}, actual ${wrong[0]!.actual}` : `${rows.length} reps consistent`,
  };
}

/** Deadlines that passed (by more than `graceMs`) must have been handled, outage or not. */
export async function deadlinesHandled(db: Db, orgId: string, graceMs: number): Promise<Verdict> {
  const rows: Array<{ id: string }> = await db('leads as l')
    .where('l.org_id', orgId)
    .where('l.status', 'ASSIGNED')
    .whereNotNull('l.sla_due_at')
    .whereRaw('l.sla_due_at < now() - make_interval(secs => ?)', [graceMs / 1000])
    .whereNotExists((q) =>
      q.select(db.raw(1)).from('events as e').whereRaw("e.lead_id = l.id AND e.type = 'SLA_BREACHED' AND (e.data->>'sla_due_at')::timestamptz = l.sla_due_at"),
    )
    .select('l.id');
  const passed = await db('leads').where({ org_id: orgId, status: 'ASSIGNED' }).whereRaw('sla_due_at < now()').count('* as n').first();
  return {
    name: 'every SLA deadline that passed is handled (SLA_BREACHED recorded)',
    ok: rows.length === 0,
    detail: `${Number(passed?.n ?? 0)} deadlines passed, ${rows.length} not handled${rows.length ? ` (e.g. ${rows[0]!.id})` : ''}`,
  };
}
