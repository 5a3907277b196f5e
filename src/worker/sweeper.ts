import { sweeperFound } from '../metrics/metrics';
import { touchesNotDelivered } from '../db/contacts';
import { withJobLock } from '../db/jobLocks';
import { leadsStuckRouting, markWorkflowStarted } from '../db/leads';
import { listOrgIds } from '../db/orgs';
import { deliverFirstTouch } from '../services/contacts';
import { headlineOf } from '../services/leads';
import type { ServiceDeps } from '../services/deps';
import { ensureLeadWorkflow } from '../temporal/leads';
import { ensureDigestSchedule, ensureMaintenanceSchedule, ensureRetentionSchedule, ensureRollupSchedules } from '../temporal/schedules';
import { everyInterval, type BackgroundJob } from './job';

/**
 * Makes up for messages that could not reach Temporal when they happened:
 * - a lead stored while Temporal was unreachable (or whose API process died right after the insert) is still
 *   ROUTING: its workflow is started (idempotently: an existing run is reused);
 * - a first touch logged while Temporal was unreachable is delivered to the lead's workflow;
 * - every organization has its daily digest schedule; the intelligence rollups and housekeeping have theirs.
 */
export type SweeperDeps = Pick<ServiceDeps, 'db' | 'temporal' | 'logger'>;

/** Leads and touches looked at per round; a backlog is worked off over the next rounds. */
const SWEEP_BATCH = 200;
/** A lead whose workflow runs but has not routed it for this long is looked at again (its run may be lost). */
const RECHECK_SECONDS = 10 * 60;
/** Fresh leads and touches are left to the API request handling them. */
const DEFAULT_GRACE_MS = 10_000;

const scheduled = new Set<string>();

/** Schedules are created once per process and organization; creating an existing one is a no-op anyway. */
async function ensureSchedules(o: SweeperDeps): Promise<void> {
  if (!scheduled.has('*')) {
    await ensureRollupSchedules(o.temporal);
    await ensureMaintenanceSchedule(o.temporal);
    await ensureRetentionSchedule(o.temporal);
    scheduled.add('*');
  }
  for (const id of await listOrgIds(o.db)) {
    if (scheduled.has(id)) continue;
    await ensureDigestSchedule(o.temporal, id);
    scheduled.add(id);
  }
}

export async function sweepOnce(o: SweeperDeps, graceMs = DEFAULT_GRACE_MS): Promise<{ started: number; touches: number }> {
  await ensureSchedules(o);
  const graceSeconds = Math.round(graceMs / 1000);
  let started = 0;
  const stuck = await leadsStuckRouting(o.db, graceSeconds, RECHECK_SECONDS, SWEEP_BATCH);
  for (const lead of stuck) {
    await ensureLeadWorkflow(o.temporal, lead.org_id, lead.id, headlineOf(lead), 'bulk');
    started++;
  }
  await markWorkflowStarted(o.db, stuck.map((l) => l.id));
  let touches = 0;
  for (const a of await touchesNotDelivered(o.db, graceSeconds, SWEEP_BATCH)) if (await deliverFirstTouch(o, a.org_id, a.lead_id_pending, a)) touches++;
  return { started, touches };
}

export function startSweeper(o: SweeperDeps & { intervalMs?: number }): BackgroundJob {
  return everyInterval(
    o.intervalMs ?? 15_000,
    async () => {
      // One replica sweeps a round; the others find the lock taken and skip it.
      await withJobLock(o.db, 'sweeper', async () => {
        const r = await sweepOnce(o);
        sweeperFound.inc({ kind: 'started' }, r.started);
        sweeperFound.inc({ kind: 'touches' }, r.touches);
        if (r.started || r.touches) o.logger.info(r, 'sweeper caught up');
      });
    },
    (err) => o.logger.warn({ err }, 'sweep failed; next round will retry'),
    'sweeper',
  );
}
