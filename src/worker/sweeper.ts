import { sweeperFound } from '../metrics/metrics';
import { touchesNotDelivered } from '../db/contacts';
import { withJobLock } from '../db/jobLocks';
import { claimLeadsStuckRouting, releaseLeadClaims } from '../db/leads';
import { inBatches } from '../concurrency';
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

/** Leads and touches looked at per round; a full round of leads is followed by another at once. */
const SWEEP_BATCH = 200;
/** Workflow starts in flight at once: a backlog after an outage is thousands of leads. */
const START_CONCURRENCY = 16;
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

/**
 * Starts the workflows of a batch of stuck leads this sweeper claimed (others claim other batches at the same
 * time), several at once; leads whose start failed are given back for the next round. True when the batch was
 * full.
 */
export async function sweepStuckLeads(o: SweeperDeps, graceMs = DEFAULT_GRACE_MS): Promise<{ started: number; full: boolean }> {
  const stuck = await claimLeadsStuckRouting(o.db, Math.round(graceMs / 1000), RECHECK_SECONDS, SWEEP_BATCH);
  const errors = await inBatches(stuck, START_CONCURRENCY, (lead) =>
    ensureLeadWorkflow(o.temporal, lead.org_id, lead.id, headlineOf(lead), 'bulk').then(() => null, (err: unknown) => err),
  );
  await releaseLeadClaims(o.db, stuck.filter((_, i) => errors[i] !== null));
  const started = errors.filter((e) => e === null).length;
  sweeperFound.inc({ kind: 'started' }, started);
  const failed = errors.find((e) => e !== null);
  if (failed) throw failed;
  return { started, full: stuck.length === SWEEP_BATCH };
}

/** First touches logged while Temporal was unreachable, delivered to their leads' workflows now. */
async function deliverLateTouches(o: SweeperDeps, graceMs: number): Promise<number> {
  let touches = 0;
  for (const a of await touchesNotDelivered(o.db, Math.round(graceMs / 1000), SWEEP_BATCH)) if (await deliverFirstTouch(o, a.org_id, a.lead_id_pending, a)) touches++;
  sweeperFound.inc({ kind: 'touches' }, touches);
  return touches;
}

/** A whole sweep at once (tests, and what the two jobs below do between them). */
export async function sweepOnce(o: SweeperDeps, graceMs = DEFAULT_GRACE_MS): Promise<{ started: number; touches: number }> {
  await ensureSchedules(o);
  const { started } = await sweepStuckLeads(o, graceMs);
  return { started, touches: await deliverLateTouches(o, graceMs) };
}

/**
 * Two jobs: stuck leads are claimed by every worker's sweeper at once, a full batch followed by the next
 * straight away (a backlog after an outage is worked off as fast as Temporal takes the starts, not 200 per
 * round); schedules and touches run on one worker per round.
 */
export function startSweeper(o: SweeperDeps & { intervalMs?: number }): BackgroundJob {
  const intervalMs = o.intervalMs ?? 15_000;
  const leads = everyInterval(
    intervalMs,
    async () => {
      const r = await sweepStuckLeads(o);
      if (r.started) o.logger.info({ started: r.started }, 'sweeper started stuck leads');
      return r.full;
    },
    (err) => o.logger.warn({ err }, 'sweep of stuck leads failed; next round will retry'),
    'sweeper',
  );
  const rest = everyInterval(
    intervalMs,
    async () => {
      // One replica sweeps a round; the others find the lock taken and skip it.
      await withJobLock(o.db, 'sweeper', async () => {
        await ensureSchedules(o);
        const touches = await deliverLateTouches(o, DEFAULT_GRACE_MS);
        if (touches) o.logger.info({ touches }, 'sweeper delivered touches');
      });
    },
    (err) => o.logger.warn({ err }, 'sweep failed; next round will retry'),
    'sweeper-touches',
  );
  return {
    async stop() {
      await Promise.all([leads.stop(), rest.stop()]);
    },
  };
}
