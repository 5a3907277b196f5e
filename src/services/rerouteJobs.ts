import { checkQuota } from './quotas';
import * as leads from '../db/leads';
import { deleteRerouteJob, findRerouteJob, insertRerouteJob, type RerouteJobRow } from '../db/rerouteJobs';
import { notFound } from '../errors';
import { newId } from '../ids';
import type { RerouteJob, RerouteRequest } from '../schemas/rerouteJobs';
import { startRerouteJob } from '../temporal/leads';
import type { ServiceDeps } from './deps';
import { iso } from './paging';

const SHOWN = 100;
const OPEN = ['ROUTING', 'ASSIGNED', 'CONTACTED', 'UNASSIGNED'] as const;

function present(row: RerouteJobRow): RerouteJob {
  return {
    id: row.id,
    status: row.status,
    selection: row.selection,
    selected: row.lead_ids.length,
    processed: row.processed,
    moved: row.moved,
    unchanged: row.unchanged,
    failed: row.failed,
    failures: row.failures,
    lead_ids: row.lead_ids.slice(0, SHOWN),
    created_at: row.created_at.toISOString(),
    finished_at: iso(row.finished_at),
  };
}

/**
 * Chooses the leads now (so the job's scope does not drift while it runs) and hands them to a workflow that
 * routes each again through its own lead workflow. A dry run only chooses. The job row and its workflow come
 * together: when the workflow cannot be started the row is removed and the request fails (503).
 */
export async function createRerouteJob(deps: ServiceDeps, orgId: string, actor: { keyId: string; userId?: string | null }, req: RerouteRequest): Promise<RerouteJob> {
  const { limit, dry_run: dryRun, ...selection } = req;
  const ids = await leads.leadIdsMatching(
    deps.db,
    orgId,
    { statuses: req.status ?? [...OPEN], repId: req.rep_id, team: req.team, ruleId: req.rule_id, createdAfter: req.received_after, createdBefore: req.received_before },
    limit,
  );
  if (dryRun) {
    const now = new Date().toISOString();
    return { id: null, status: 'DRY_RUN', selection, selected: ids.length, processed: 0, moved: 0, unchanged: 0, failed: 0, failures: [], lead_ids: ids.slice(0, SHOWN), created_at: now, finished_at: now };
  }
  const row = await deps.db.transaction(async (trx) => {
    if (ids.length) await checkQuota(trx, deps.config, orgId, 'MAX_RUNNING_REROUTE_JOBS_PER_ORG');
    return insertRerouteJob(trx, { id: newId('rerouteJob'), org_id: orgId, selection, lead_ids: ids, actor_key_id: actor.userId ? null : actor.keyId, actor_user_id: actor.userId ?? null });
  });
  if (!ids.length) return present(row);
  try {
    await startRerouteJob(deps.temporal, row.id, ids.length);
  } catch (err) {
    await deleteRerouteJob(deps.db, row.id);
    throw err;
  }
  return present(row);
}

export async function getRerouteJob(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string): Promise<RerouteJob> {
  const row = await findRerouteJob(deps.db, orgId, id);
  if (!row) throw notFound('Re-route job');
  return present(row);
}
