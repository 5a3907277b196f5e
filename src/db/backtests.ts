import type { Knex } from 'knex';
import type { Db } from './knex';
import type { LeadRow } from './leads';
import type { RepSnapshot } from '../routing/backtest';
import type { PoolState } from '../routing/select';

type Conn = Db | Knex.Transaction;

export type BacktestStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

export interface BacktestRow {
  id: string;
  org_id: string;
  ruleset_id: string;
  ruleset_version: number | null;
  request: Record<string, unknown>;
  status: BacktestStatus;
  leads_total: number | null;
  leads_done: number;
  report: Record<string, unknown> | null;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

export interface BacktestWindow {
  from: string;
  to: string;
  team?: string;
  source?: string;
}

export interface PastLead
  extends Pick<LeadRow, 'id' | 'received_at' | 'email' | 'first_name' | 'last_name' | 'company' | 'domain' | 'country' | 'state' | 'source' | 'score' | 'employees' | 'industry' | 'external_id' | 'attributes' | 'contact_id' | 'account_domain' | 'rule_id'> {
  sla_minutes: number | null;
  /** The lead's first assignment: what intake decided. */
  first_rep_id: string | null;
  first_rule_id: string | null;
  first_ended_at: Date | null;
}

function inWindow(q: Knex.QueryBuilder, orgId: string, w: BacktestWindow): Knex.QueryBuilder {
  q.where('l.org_id', orgId).andWhere('l.received_at', '>=', w.from).andWhere('l.received_at', '<', w.to);
  if (w.team) q.andWhere('l.team', w.team);
  if (w.source) q.andWhere('l.source', w.source);
  return q;
}

export async function countWindow(db: Conn, orgId: string, w: BacktestWindow): Promise<number> {
  const [row] = await inWindow(db('leads as l'), orgId, w).count<Array<{ count: string }>>({ count: '*' });
  return Number(row?.count ?? 0);
}

/** The window's leads in the order they arrived, each with its first assignment. */
export function windowLeads(db: Conn, orgId: string, w: BacktestWindow, limit: number): Promise<PastLead[]> {
  return inWindow(db('leads as l'), orgId, w)
    .leftJoin('assignments as a', function first() {
      this.on('a.lead_id', 'l.id').andOn('a.seq', db.raw('(SELECT min(seq) FROM assignments x WHERE x.lead_id = l.id)'));
    })
    .orderBy([{ column: 'l.received_at' }, { column: 'l.id' }])
    .limit(limit)
    .select(
      'l.id', 'l.received_at', 'l.email', 'l.first_name', 'l.last_name', 'l.company', 'l.domain', 'l.country', 'l.state', 'l.source', 'l.score',
      'l.employees', 'l.industry', 'l.external_id', 'l.attributes', 'l.contact_id', 'l.account_domain', 'l.rule_id',
      db.raw("(l.sla->>'first_touch_minutes')::float AS sla_minutes"),
      'a.rep_id as first_rep_id', 'a.rule_id as first_rule_id', 'a.ended_at as first_ended_at',
    );
}

/** Every recorded state of the organization's reps up to `to`, oldest first, with their names. */
export async function repHistory(db: Conn, orgId: string, to: string): Promise<Array<{ at: number; rep: RepSnapshot }>> {
  const rows = await db('rep_history as h')
    .join('reps as r', 'r.id', 'h.rep_id')
    .where('h.org_id', orgId)
    .andWhere('h.valid_from', '<', to)
    .orderBy([{ column: 'h.valid_from' }, { column: 'h.seq' }])
    .select('h.*', 'r.name');
  return rows.map((h) => ({
    at: (h.valid_from as Date).getTime(),
    rep: {
      id: h.rep_id,
      name: h.name,
      status: h.status,
      active: h.active,
      teams: h.teams,
      weight: h.weight,
      max_open_leads: h.max_open_leads,
      daily_cap: h.daily_cap,
      timezone: h.timezone,
      working_hours: h.working_hours,
      out_of_office: h.out_of_office,
    },
  }));
}

/** Where each pool's round-robin pointer stood at `at`: the rep of its last assignment before then. */
export async function poolsAt(db: Conn, orgId: string, at: string): Promise<Record<string, PoolState>> {
  const rows: Array<{ pool_key: string; rep_id: string }> = await db('assignments')
    .distinctOn('pool_key')
    .where({ org_id: orgId })
    .whereNotNull('pool_key')
    .andWhere('assigned_at', '<', at)
    .orderBy([{ column: 'pool_key' }, { column: 'assigned_at', order: 'desc' }])
    .select('pool_key', 'rep_id');
  return Object.fromEntries(rows.map((r) => [r.pool_key, { last_rep_id: r.rep_id, credits: {} }]));
}

/** Assignments open at `at` (leads from before the window holding a rep), and when each ended. */
export async function heldAt(db: Conn, orgId: string, at: string): Promise<Array<{ repId: string; releasedAt: number | null }>> {
  const rows: Array<{ rep_id: string; ended_at: Date | null }> = await db('assignments')
    .where({ org_id: orgId })
    .andWhere('assigned_at', '<', at)
    .andWhere((w) => w.whereNull('ended_at').orWhere('ended_at', '>', at))
    .select('rep_id', 'ended_at');
  return rows.map((r) => ({ repId: r.rep_id, releasedAt: r.ended_at ? r.ended_at.getTime() : null }));
}

/** Assignments in the day and a half before `at`: enough for any zone's local day. */
export async function assignedJustBefore(db: Conn, orgId: string, at: string): Promise<Array<{ repId: string; at: number }>> {
  const rows: Array<{ rep_id: string; assigned_at: Date }> = await db('assignments')
    .where({ org_id: orgId })
    .andWhere('assigned_at', '<', at)
    .andWhere('assigned_at', '>=', db.raw("?::timestamptz - interval '36 hours'", [at]))
    .select('rep_id', 'assigned_at');
  return rows.map((r) => ({ repId: r.rep_id, at: r.assigned_at.getTime() }));
}

/** Each rep's minutes from assignment to first touch, for their last 1,000 touched leads before `before`. */
export async function touchMinutes(db: Conn, orgId: string, before: string): Promise<Record<string, number[]>> {
  const rows: Array<{ rep_id: string; minutes: number }> = await db.raw(
    `SELECT rep_id, minutes FROM (
       SELECT a.rep_id, EXTRACT(EPOCH FROM (l.first_touch_at - a.assigned_at)) / 60 AS minutes,
              row_number() OVER (PARTITION BY a.rep_id ORDER BY a.assigned_at DESC) AS n
         FROM assignments a JOIN leads l ON l.id = a.lead_id
        WHERE a.org_id = ? AND l.first_touch_at IS NOT NULL AND a.assigned_at < ?
          AND l.first_touch_at >= a.assigned_at AND (a.ended_at IS NULL OR l.first_touch_at <= a.ended_at)
     ) t WHERE n <= 1000`,
    [orgId, before],
  ).then((r: { rows: Array<{ rep_id: string; minutes: string | number }> }) => r.rows.map((x) => ({ rep_id: x.rep_id, minutes: Number(x.minutes) })));
  const out: Record<string, number[]> = {};
  for (const r of rows) (out[r.rep_id] ??= []).push(r.minutes);
  return out;
}

export async function insertBacktest(db: Conn, row: Pick<BacktestRow, 'id' | 'org_id' | 'ruleset_id' | 'ruleset_version' | 'request' | 'leads_total'>): Promise<BacktestRow> {
  const [created] = await db('backtests').insert({ ...row, request: JSON.stringify(row.request) }).returning('*');
  return created as BacktestRow;
}

export async function deleteBacktest(db: Conn, id: string): Promise<void> {
  await db('backtests').where({ id }).delete();
}

export function findBacktest(db: Conn, orgId: string | null, id: string): Promise<BacktestRow | undefined> {
  const q = db<BacktestRow>('backtests').where({ id });
  if (orgId) q.andWhere({ org_id: orgId });
  return q.first();
}

export async function backtestProgress(db: Conn, id: string, done: number): Promise<void> {
  await db('backtests').where({ id, status: 'RUNNING' }).update({ leads_done: done });
}

/** Ends a running backtest; a report is only ever stored with COMPLETED. */
export async function finishBacktest(db: Conn, id: string, end: { status: 'COMPLETED'; report: object; done: number } | { status: 'FAILED' | 'CANCELLED'; error: string }): Promise<void> {
  const values = end.status === 'COMPLETED' ? { status: end.status, report: JSON.stringify(end.report), leads_done: end.done } : { status: end.status, error: end.error };
  await db('backtests').where({ id, status: 'RUNNING' }).update({ ...values, finished_at: db.fn.now() });
}

export async function hasCompletedBacktest(db: Conn, orgId: string, rulesetId: string): Promise<boolean> {
  return Boolean(await db('backtests').where({ org_id: orgId, ruleset_id: rulesetId, status: 'COMPLETED' }).first('id'));
}

/** Contact and account owners as they are now (OWNER rules in a backtest: ownership has no history). */
export async function ownersNow(db: Conn, orgId: string): Promise<{ contacts: Map<string, string>; accounts: Map<string, string> }> {
  const [contacts, accounts] = await Promise.all([
    db('contacts').where({ org_id: orgId }).whereNotNull('owner_rep_id').select('id', 'owner_rep_id'),
    db('accounts').where({ org_id: orgId }).whereNotNull('owner_rep_id').select('domain', 'owner_rep_id'),
  ]);
  return {
    contacts: new Map(contacts.map((c: { id: string; owner_rep_id: string }) => [c.id, c.owner_rep_id])),
    accounts: new Map(accounts.map((a: { domain: string; owner_rep_id: string }) => [a.domain, a.owner_rep_id])),
  };
}
