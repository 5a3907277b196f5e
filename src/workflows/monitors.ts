import { proxyActivities } from '@temporalio/workflow';
import type { Evaluation, MonitorActivities } from '../activities/monitors';
import { versioning } from './versioning';

const { evaluateMonitor, writeDailyDigest } = proxyActivities<MonitorActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});
// A full refresh of a large history can take long; the heartbeat, not the run's timeout, catches a dead worker.
const { refreshIntelligence } = proxyActivities<MonitorActivities>({ startToCloseTimeout: '2 hours', heartbeatTimeout: '1 minute', retry: { maximumAttempts: 3 } });

/** One evaluation of an SLA monitor; its Temporal Schedule starts one every interval_minutes. */
export async function monitorWorkflow(input: { monitorId: string }): Promise<Evaluation> {
  return evaluateMonitor({ monitorId: input.monitorId, now: Date.now() });
}

/** The organization's daily digest of yesterday's SLA breaches; started every morning by its Schedule. */
export async function digestWorkflow(input: { orgId: string }): Promise<{ day: string; breaches: number }> {
  return writeDailyDigest({ orgId: input.orgId, now: Date.now() });
}

/** How far back the frequent refresh recomputes: late first touches within it show within minutes. */
const RECENT_ROLLUP_HOURS = 48;

/** Keeps the intelligence rollups current: the last two days every few minutes, all of history nightly. */
export async function rollupRefreshWorkflow(input: { full: boolean }): Promise<{ rollups: string[] }> {
  return refreshIntelligence({ sinceHours: input.full ? null : RECENT_ROLLUP_HOURS });
}

// Short-lived: a run finishes on the build that started it.
versioning('PINNED', monitorWorkflow);
versioning('PINNED', digestWorkflow);
versioning('PINNED', rollupRefreshWorkflow);
