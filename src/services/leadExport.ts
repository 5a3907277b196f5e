import { stringify } from 'csv-stringify/sync';
import { exportPage, type ExportRow } from '../db/leads';
import type { LeadExportQuery } from '../schemas/leads';
import type { ServiceDeps } from './deps';
import { iso, type Streamed } from './paging';
import { leadFilter } from './leads';

/** Rows read per query: memory stays flat whatever the window holds. */
const PAGE = 1000;

type SlaResult = 'MET' | 'BREACHED' | 'PENDING' | 'NONE';

function slaResult(r: ExportRow): SlaResult {
  if (r.breached_at) return 'BREACHED';
  if (!r.has_sla) return 'NONE';
  return r.first_touch_at ? 'MET' : 'PENDING';
}

export const EXPORT_COLUMNS = [
  'id', 'received_at', 'status', 'email', 'first_name', 'last_name', 'company', 'domain', 'country', 'state', 'source', 'score', 'employees',
  'industry', 'external_id', 'contact_id', 'account_domain', 'assigned_rep_id', 'assigned_rep_email', 'rule_id', 'team', 'strategy', 'unassigned_reason',
  'assigned_at', 'sla_due_at', 'first_touch_at', 'sla_result', 'reassignment_count', 'closed_at', 'close_reason',
] as const;

/** One flat record per lead: what a spreadsheet or a BI tool wants. */
function record(r: ExportRow): Record<(typeof EXPORT_COLUMNS)[number], string | number | null> {
  return {
    id: r.id,
    received_at: r.received_at.toISOString(),
    status: r.status,
    email: r.email,
    first_name: r.first_name,
    last_name: r.last_name,
    company: r.company,
    domain: r.domain,
    account_domain: r.account_domain,
    country: r.country,
    state: r.state,
    source: r.source,
    score: r.score,
    employees: r.employees === null ? null : Number(r.employees),
    industry: r.industry,
    external_id: r.external_id,
    contact_id: r.contact_id,
    assigned_rep_id: r.assigned_rep_id,
    assigned_rep_email: r.rep_email,
    rule_id: r.rule_id,
    team: r.team,
    strategy: r.routing?.strategy ?? null,
    unassigned_reason: r.unassigned_reason,
    assigned_at: iso(r.assigned_at),
    sla_due_at: iso(r.sla_due_at),
    first_touch_at: iso(r.first_touch_at),
    sla_result: slaResult(r),
    reassignment_count: r.reassignment_count,
    closed_at: iso(r.closed_at),
    close_reason: r.close_reason,
  };
}

/**
 * A cell a spreadsheet would read as a formula (=, +, -, @, tab, return first) is prefixed with an apostrophe:
 * lead fields come from web forms, and `=HYPERLINK(…)` in a company name must stay text when RevOps opens
 * the file. Numbers are written as numbers.
 */
function safeCell(value: unknown): unknown {
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

async function* rows(deps: Pick<ServiceDeps, 'db'>, orgId: string, q: LeadExportQuery): AsyncGenerator<ExportRow[]> {
  const filter = leadFilter(q);
  for (let after: string | undefined; ; ) {
    const page = await exportPage(deps.db, orgId, filter, after, PAGE);
    if (page.length) yield page;
    if (page.length < PAGE) return;
    after = page.at(-1)!.id;
  }
}

async function* csv(pages: AsyncGenerator<ExportRow[]>): AsyncGenerator<string> {
  yield stringify([[...EXPORT_COLUMNS]]);
  for await (const page of pages) {
    yield stringify(page.map((r) => {
      const rec = record(r);
      return EXPORT_COLUMNS.map((c) => safeCell(rec[c]));
    }));
  }
}

async function* ndjson(pages: AsyncGenerator<ExportRow[]>): AsyncGenerator<string> {
  for await (const page of pages) yield page.map((r) => `${JSON.stringify(record(r))}\n`).join('');
}

/** The leads of a window, oldest first, as CSV (with a header row) or NDJSON, produced page by page. */
export function exportLeads(deps: Pick<ServiceDeps, 'db'>, orgId: string, q: LeadExportQuery): Streamed {
  const pages = rows(deps, orgId, q);
  const stamp = new Date().toISOString().slice(0, 10);
  return q.format === 'csv'
    ? { contentType: 'text/csv; charset=utf-8', filename: `leads-${stamp}.csv`, chunks: csv(pages) }
    : { contentType: 'application/x-ndjson; charset=utf-8', filename: `leads-${stamp}.ndjson`, chunks: ndjson(pages) };
}
