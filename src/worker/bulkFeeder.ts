import { bulkWaiting, claimBulkLeads, othersArriving, unclaimBulkLeads } from '../db/bulkQueue';
import { headlineOf } from '../services/leads';
import type { ServiceDeps } from '../services/deps';
import { ensureLeadWorkflow } from '../temporal/leads';
import type { BackgroundJob } from './job';

/**
 * Starts the workflows of leads taken in bulk (POST /v1/leads/batch, and so the CSV import) a few at a time:
 * at most `maxRouting` of a task queue's bulk leads route at once, organizations taken in turn. Started all at
 * once, a 10,000-lead import filled every queue on the way (the API's, Temporal's, the worker's) ahead of
 * another organization's single lead, which then waited 13-17 s instead of 0.15; Temporal's task-queue
 * priorities and fairness (temporal/leads.ts) order what is queued, but not what is already running.
 *
 * Fewer route at once while other leads are arriving: on a machine whose cores a bulk import keeps busy, a
 * single lead's own work (API, Temporal, worker, Postgres) shares them and takes several times as long, so
 * bulk work leaves room for it (measured with `npm run bench:neighbours`: docs/scaling.md). With nothing
 * else arriving, imports take the whole machine.
 */
export type BulkFeederDeps = Pick<ServiceDeps, 'db' | 'temporal' | 'logger'> & {
  /** BULK_LEADS_ROUTING: bulk leads of this task queue routing at once, across every worker. */
  maxRouting: number;
  /** BULK_LEADS_ROUTING_SHARED: the same while other leads are arriving. */
  maxRoutingShared: number;
  /** How often to look again while leads wait (ms); idle, ten times less often. */
  intervalMs?: number;
};

/** A bulk lead started this long ago and still routing no longer counts as routing (its run may be lost: the sweeper rechecks it). */
const ROUTING_WINDOW_SECONDS = 60;
/** Other leads count as arriving when one came within this long. */
const ARRIVING_SECONDS = 10;

/** One round: starts what there is room for; the number started. */
export async function feedOnce(o: BulkFeederDeps, sharing: boolean): Promise<number> {
  const queue = o.temporal.taskQueue;
  const claimed = await claimBulkLeads(o.db, queue, sharing ? o.maxRoutingShared : o.maxRouting, ROUTING_WINDOW_SECONDS);
  const failed: string[] = [];
  await Promise.all(
    claimed.map((lead) =>
      ensureLeadWorkflow(o.temporal, lead.org_id, lead.id, headlineOf(lead), 'bulk').catch((err: unknown) => {
        failed.push(lead.id);
        o.logger.warn({ err, lead_id: lead.id }, 'could not start a bulk lead\'s workflow; the next round retries it');
      }),
    ),
  );
  await unclaimBulkLeads(o.db, failed);
  return claimed.length - failed.length;
}

export function startBulkFeeder(o: BulkFeederDeps): BackgroundJob {
  const busyMs = o.intervalMs ?? 50;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  // Whether others are arriving is looked up once a second, not every round.
  let sharing = { value: false, at: 0 };
  const round = async () => {
    let next = busyMs * 10;
    try {
      if (await bulkWaiting(o.db, o.temporal.taskQueue)) {
        if (Date.now() - sharing.at > 1000) sharing = { value: await othersArriving(o.db, ARRIVING_SECONDS), at: Date.now() };
        await feedOnce(o, sharing.value);
        next = busyMs;
      }
    } catch (err) {
      o.logger.warn({ err }, 'bulk feeding failed; next round will retry');
    }
    if (!stopped) timer = setTimeout(() => (running = round()), next).unref();
  };
  running = round();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
