import { checkQuota } from './quotas';
import { stringify } from 'csv-stringify/sync';
import * as store from '../db/backtests';
import { findRuleset } from '../db/rulesets';
import { conflict, invalid, notFound } from '../errors';
import { newId } from '../ids';
import type { Backtest, BacktestRequest } from '../schemas/backtests';
import { backtestWorkflowId, cancelBacktest as cancelWorkflow, startBacktest } from '../temporal/backtests';
import type { ServiceDeps } from './deps';
import { iso, type Streamed } from './paging';

/** Moved leads in the JSON report; the CSV has every one the report keeps. */
const CHANGES_SHOWN = 1000;

function present(row: store.BacktestRow): Backtest {
  return {
    id: row.id,
    ruleset_id: row.ruleset_id,
    ruleset_version: row.ruleset_version,
    status: row.status,
    request: row.request,
    leads_total: row.leads_total,
    leads_done: row.leads_done,
    report: row.status === 'COMPLETED' && row.report ? ({ ...row.report, changes: (row.report.changes as unknown[]).slice(0, CHANGES_SHOWN) } as Backtest['report']) : null,
    error: row.error,
    workflow_id: backtestWorkflowId(row.id),
    created_at: row.created_at.toISOString(),
    finished_at: iso(row.finished_at),
  };
}

/**
 * Starts a backtest of the ruleset (draft or published) on a window of past leads: checked first (a window
 * with no leads, or more than the limit, is refused), then replayed by its own workflow. The row and the
 * workflow come together: when the workflow cannot start, the row is removed and the request fails.
 */
export async function createBacktest(deps: ServiceDeps, orgId: string, rulesetId: string, req: BacktestRequest): Promise<Backtest> {
  const ruleset = await findRuleset(deps.db, orgId, rulesetId);
  if (!ruleset) throw notFound('Ruleset');
  const window = { from: req.from, to: req.to, team: req.team, source: req.source };
  const total = await store.countWindow(deps.db, orgId, window);
  if (total === 0) throw invalid('No leads were received in this window', [{ path: 'from', message: `no leads between ${req.from} and ${req.to}${req.team ? ` for team ${req.team}` : ''}${req.source ? ` from source ${req.source}` : ''}` }]);
  if (total > req.limit) throw invalid(`The window holds ${total} leads, over the limit of ${req.limit}`, [{ path: 'to', message: 'narrow the window' }]);
  const row = await deps.db.transaction(async (trx) => {
    await checkQuota(trx, deps.config, orgId, 'MAX_RUNNING_BACKTESTS_PER_ORG');
    return store.insertBacktest(trx, { id: newId('backtest'), org_id: orgId, ruleset_id: rulesetId, ruleset_version: ruleset.version, request: { ...req }, leads_total: total });
  });
  try {
    await startBacktest(deps.temporal, row.id, `Backtest ${ruleset.name} (${rulesetId}) on ${total} leads`);
  } catch (err) {
    await store.deleteBacktest(deps.db, row.id);
    throw err;
  }
  return present(row);
}

export async function getBacktest(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string): Promise<Backtest> {
  const row = await store.findBacktest(deps.db, orgId, id);
  if (!row) throw notFound('Backtest');
  return present(row);
}

export async function cancelBacktest(deps: ServiceDeps, orgId: string, id: string): Promise<Backtest> {
  const row = await store.findBacktest(deps.db, orgId, id);
  if (!row) throw notFound('Backtest');
  if (row.status !== 'RUNNING') throw conflict(`The backtest is ${row.status}`);
  await cancelWorkflow(deps.temporal, id);
  return present(row);
}

/** The leads that would move, one row each, as a CSV for a spreadsheet. */
export async function exportBacktest(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string): Promise<Streamed> {
  const row = await store.findBacktest(deps.db, orgId, id);
  if (!row) throw notFound('Backtest');
  if (row.status !== 'COMPLETED' || !row.report) throw conflict(`The backtest is ${row.status}: there is no report`);
  const changes = row.report.changes as NonNullable<Backtest['report']>['changes'];
  const rows = changes.map((c) => [c.lead_id, c.received_at, c.before.rep_id, c.before.rule_id, c.after.rep_id, c.after.rule_id, c.after.source]);
  const text = stringify([['lead_id', 'received_at', 'rep_before', 'rule_before', 'rep_after', 'rule_after', 'source_after'], ...rows]);
  return { contentType: 'text/csv; charset=utf-8', filename: `backtest-${id}.csv`, chunks: (async function* () { yield text; })() };
}

/** `?require_backtest=true` on publish: a ruleset nobody has backtested is not published. */
export async function requireBacktest(deps: Pick<ServiceDeps, 'db'>, orgId: string, rulesetId: string): Promise<void> {
  if (!(await store.hasCompletedBacktest(deps.db, orgId, rulesetId))) throw conflict(`Ruleset ${rulesetId} has no completed backtest (POST /v1/rules/${rulesetId}/backtest)`);
}
