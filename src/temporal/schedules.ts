import { ScheduleAlreadyRunning, ScheduleNotFoundError, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import type { maintenanceWorkflow } from '../workflows/maintenance';
import type { digestWorkflow, monitorWorkflow, rollupRefreshWorkflow } from '../workflows/monitors';
import type { Temporal } from './client';

/**
 * SLA monitors and daily digests run on Temporal Schedules: the schedule is the monitor's clock, visible,
 * pausable and backfillable in the Web UI like any other.
 */
export const monitorScheduleId = (monitorId: string) => `monitor-${monitorId}`;
export const digestScheduleId = (orgId: string) => `digest-${orgId}`;

function monitorAction(temporal: Temporal, monitorId: string): ScheduleOptionsStartWorkflowAction<typeof monitorWorkflow> {
  return { type: 'startWorkflow', workflowType: 'monitorWorkflow', taskQueue: temporal.taskQueue, workflowId: `monitor-${monitorId}`, args: [{ monitorId }] };
}

export async function createMonitorSchedule(temporal: Temporal, m: { id: string; interval_minutes: number; paused: boolean; name: string }): Promise<string> {
  const scheduleId = monitorScheduleId(m.id);
  await temporal.client.schedule.create({
    scheduleId,
    spec: { intervals: [{ every: `${m.interval_minutes} minutes` }] },
    action: monitorAction(temporal, m.id),
    policies: { overlap: 'SKIP', catchupWindow: '1 minute' },
    state: { paused: m.paused, note: m.name },
  });
  return scheduleId;
}

export async function updateMonitorSchedule(temporal: Temporal, scheduleId: string, m: { id: string; interval_minutes: number; paused: boolean; name: string }): Promise<void> {
  await temporal.client.schedule.getHandle(scheduleId).update((prev) => ({
    ...prev,
    spec: { intervals: [{ every: `${m.interval_minutes} minutes` }] },
    action: monitorAction(temporal, m.id),
    state: { ...prev.state, paused: m.paused, note: m.name },
  }));
}

export async function deleteSchedule(temporal: Temporal, scheduleId: string): Promise<void> {
  try {
    await temporal.client.schedule.getHandle(scheduleId).delete();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
}

/** Every morning at 07:00 UTC, yesterday's breaches. */
export async function ensureDigestSchedule(temporal: Temporal, orgId: string): Promise<void> {
  const action: ScheduleOptionsStartWorkflowAction<typeof digestWorkflow> = {
    type: 'startWorkflow',
    workflowType: 'digestWorkflow',
    taskQueue: temporal.taskQueue,
    workflowId: `digest-${orgId}`,
    args: [{ orgId }],
  };
  await createIfMissing(temporal, { scheduleId: digestScheduleId(orgId), spec: { calendars: [{ hour: 7, minute: 0 }] }, action, policies: { overlap: 'SKIP', catchupWindow: '6 hours' } });
}

/** Schedules that every deployment has: creating one that exists already is not an error. */
async function createIfMissing(temporal: Temporal, options: Parameters<Temporal['client']['schedule']['create']>[0]): Promise<void> {
  try {
    await temporal.client.schedule.create(options);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
}

/** The two rollup schedules: every five minutes for the last two days, and nightly for all of history. */
export async function ensureRollupSchedules(temporal: Temporal): Promise<void> {
  const schedules: Array<[string, { intervals?: Array<{ every: string }>; calendars?: Array<{ hour: number; minute: number }> }, boolean]> = [
    ['intelligence-rollups-recent', { intervals: [{ every: '5 minutes' }] }, false],
    ['intelligence-rollups-full', { calendars: [{ hour: 3, minute: 0 }] }, true],
  ];
  for (const [scheduleId, spec, full] of schedules) {
    const action: ScheduleOptionsStartWorkflowAction<typeof rollupRefreshWorkflow> = {
      type: 'startWorkflow',
      workflowType: 'rollupRefreshWorkflow',
      taskQueue: temporal.taskQueue,
      workflowId: scheduleId,
      args: [{ full }],
    };
    await createIfMissing(temporal, { scheduleId, spec, action, policies: { overlap: 'SKIP', catchupWindow: '1 hour' } });
  }
}

export const MAINTENANCE_SCHEDULE_ID = 'maintenance-hourly';

/** Housekeeping every hour (purging expired Idempotency-Keys). */
export async function ensureMaintenanceSchedule(temporal: Temporal): Promise<void> {
  const action: ScheduleOptionsStartWorkflowAction<typeof maintenanceWorkflow> = {
    type: 'startWorkflow',
    workflowType: 'maintenanceWorkflow',
    taskQueue: temporal.taskQueue,
    workflowId: MAINTENANCE_SCHEDULE_ID,
    args: [],
  };
  await createIfMissing(temporal, { scheduleId: MAINTENANCE_SCHEDULE_ID, spec: { intervals: [{ every: '1 hour' }] }, action, policies: { overlap: 'SKIP', catchupWindow: '1 hour' } });
}
