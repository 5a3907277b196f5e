import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleSpec,
} from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time';
import { SA } from '../lead/searchAttributes';
import type { maintenanceWorkflow, retentionWorkflow } from '../workflows/maintenance';
import type { digestWorkflow, monitorWorkflow, rollupRefreshWorkflow } from '../workflows/monitors';
import type { Temporal } from './client';

/**
 * SLA monitors, daily digests, rollups and housekeeping run on Temporal Schedules: the schedule is the clock,
 * visible, pausable and backfillable in the Web UI. Each names what it is for (summary and memo) and tags the
 * workflows it starts with their organization. Runs are bounded in time, so a run that cannot finish (a
 * worker gone for good) never holds up the next ones, which would otherwise be skipped as overlapping.
 */
export const monitorScheduleId = (monitorId: string) => `monitor-${monitorId}`;
export const digestScheduleId = (orgId: string) => `digest-${orgId}`;
export const MAINTENANCE_SCHEDULE_ID = 'maintenance-hourly';

const RUN_TIMEOUT = '10 minutes';
const MINUTE = 60_000;

/**
 * Every `minutes`, counted from `anchor`: an interval schedule otherwise counts from the Unix epoch, so
 * "every 975 minutes" could first run 16 hours after it was created.
 */
function everyMinutes(minutes: number, anchor: number): ScheduleSpec {
  const every = minutes * MINUTE;
  return { intervals: [{ every, offset: anchor % every }] };
}

export interface MonitorScheduleInput {
  id: string;
  org_id: string;
  name: string;
  interval_minutes: number;
  paused: boolean;
  created_at: Date;
}

function monitorSchedule(temporal: Temporal, m: MonitorScheduleInput): ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof monitorWorkflow>> {
  return {
    scheduleId: monitorScheduleId(m.id),
    spec: everyMinutes(m.interval_minutes, m.created_at.getTime()),
    action: {
      type: 'startWorkflow',
      workflowType: 'monitorWorkflow',
      taskQueue: temporal.taskQueue,
      workflowId: `monitor-${m.id}`,
      args: [{ monitorId: m.id }],
      staticSummary: `SLA monitor "${m.name}"`,
      typedSearchAttributes: [{ key: SA.orgId, value: m.org_id }],
      workflowExecutionTimeout: RUN_TIMEOUT,
    },
    policies: { overlap: 'SKIP', catchupWindow: '1 minute' },
    memo: { purpose: 'SLA monitor', monitor_id: m.id, monitor: m.name, org_id: m.org_id },
    state: { paused: m.paused, note: m.name },
  };
}

/** A new monitor is evaluated at once, then every interval_minutes from now. */
export async function createMonitorSchedule(temporal: Temporal, m: MonitorScheduleInput): Promise<string> {
  const options = monitorSchedule(temporal, m);
  await temporal.client.schedule.create({ ...options, state: { ...options.state, triggerImmediately: !m.paused } });
  return options.scheduleId;
}

export async function updateMonitorSchedule(temporal: Temporal, m: MonitorScheduleInput): Promise<void> {
  const { spec, action, state } = monitorSchedule(temporal, m);
  await temporal.client.schedule.getHandle(monitorScheduleId(m.id)).update((prev) => ({ ...prev, spec, action, state: { ...prev.state, paused: state!.paused, note: state!.note } }));
}

export async function deleteSchedule(temporal: Temporal, scheduleId: string): Promise<void> {
  try {
    await temporal.client.schedule.getHandle(scheduleId).delete();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
}

/**
 * Schedules every deployment has: created when missing, and brought up to date when this code defines them
 * differently (a new interval, another workflow), so a deploy changes them instead of leaving the old ones.
 */
export async function ensureSchedule(temporal: Temporal, options: ScheduleOptions): Promise<void> {
  try {
    await temporal.client.schedule.create(options);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const handle = temporal.client.schedule.getHandle(options.scheduleId);
    const current = await handle.describe();
    const sameWorkflow = current.action.type === 'startWorkflow' && current.action.workflowType === (options.action as { workflowType: string }).workflowType;
    if (!sameWorkflow || !sameSpec(options.spec, current.spec)) {
      await handle.update((prev) => ({ ...prev, spec: options.spec, action: options.action as typeof prev.action, policies: { ...prev.policies, ...options.policies } }));
    }
  }
}

/** Compares the parts of a spec Routeswit sets: interval lengths and calendar hours and minutes. */
function sameSpec(want: ScheduleSpec, has: { intervals?: Array<{ every: unknown }>; calendars?: Array<{ hour?: unknown; minute?: unknown }> }): boolean {
  const wantIntervals = (want.intervals ?? []).map((i) => msToNumber(i.every));
  const hasIntervals = (has.intervals ?? []).map((i) => msToNumber(i.every as never));
  const hours = (c: Array<{ hour?: unknown; minute?: unknown }>) => c.map((x) => JSON.stringify([x.hour, x.minute]));
  return JSON.stringify(wantIntervals) === JSON.stringify(hasIntervals) && JSON.stringify(hours((want.calendars ?? []) as never)) === JSON.stringify(hours(has.calendars ?? []));
}

/** Every morning at 07:00 UTC, yesterday's breaches. */
export async function ensureDigestSchedule(temporal: Temporal, orgId: string): Promise<void> {
  const action: ScheduleOptionsStartWorkflowAction<typeof digestWorkflow> = {
    type: 'startWorkflow',
    workflowType: 'digestWorkflow',
    taskQueue: temporal.taskQueue,
    workflowId: `digest-${orgId}`,
    args: [{ orgId }],
    staticSummary: `Daily SLA digest of ${orgId}`,
    typedSearchAttributes: [{ key: SA.orgId, value: orgId }],
    workflowExecutionTimeout: RUN_TIMEOUT,
  };
  await ensureSchedule(temporal, {
    scheduleId: digestScheduleId(orgId),
    spec: { calendars: [{ hour: 7, minute: 0 }] },
    action,
    policies: { overlap: 'SKIP', catchupWindow: '6 hours' },
    memo: { purpose: 'daily SLA digest', org_id: orgId },
  });
}

/** The two rollup schedules: every five minutes for the last two days, and nightly for all of history. */
export async function ensureRollupSchedules(temporal: Temporal): Promise<void> {
  const schedules: Array<[string, ScheduleSpec, boolean, string]> = [
    ['intelligence-rollups-recent', { intervals: [{ every: '5 minutes' }] }, false, 'Intelligence rollups: the last 48 hours'],
    ['intelligence-rollups-full', { calendars: [{ hour: 3, minute: 0 }] }, true, 'Intelligence rollups: all of history'],
  ];
  for (const [scheduleId, spec, full, summary] of schedules) {
    const action: ScheduleOptionsStartWorkflowAction<typeof rollupRefreshWorkflow> = {
      type: 'startWorkflow',
      workflowType: 'rollupRefreshWorkflow',
      taskQueue: temporal.taskQueue,
      workflowId: scheduleId,
      args: [{ full }],
      staticSummary: summary,
      workflowExecutionTimeout: full ? '2 hours' : '30 minutes',
    };
    await ensureSchedule(temporal, { scheduleId, spec, action, policies: { overlap: 'SKIP', catchupWindow: '1 hour' }, memo: { purpose: summary } });
  }
}

export const RETENTION_SCHEDULE_ID = 'retention-hourly';

/** Retention every hour: settled leads, audit entries, deliveries and notifications past their time, purged. */
export async function ensureRetentionSchedule(temporal: Temporal): Promise<void> {
  const action: ScheduleOptionsStartWorkflowAction<typeof retentionWorkflow> = {
    type: 'startWorkflow',
    workflowType: 'retentionWorkflow',
    taskQueue: temporal.taskQueue,
    workflowId: RETENTION_SCHEDULE_ID,
    args: [],
    staticSummary: 'Retention: purge what organizations keep no longer',
    workflowExecutionTimeout: RUN_TIMEOUT,
  };
  await ensureSchedule(temporal, { scheduleId: RETENTION_SCHEDULE_ID, spec: { intervals: [{ every: '1 hour' }] }, action, policies: { overlap: 'SKIP', catchupWindow: '1 hour' }, memo: { purpose: 'retention' } });
}

/** Housekeeping every hour (purging expired Idempotency-Keys). */
export async function ensureMaintenanceSchedule(temporal: Temporal): Promise<void> {
  const action: ScheduleOptionsStartWorkflowAction<typeof maintenanceWorkflow> = {
    type: 'startWorkflow',
    workflowType: 'maintenanceWorkflow',
    taskQueue: temporal.taskQueue,
    workflowId: MAINTENANCE_SCHEDULE_ID,
    args: [],
    staticSummary: 'Housekeeping: purge expired Idempotency-Keys',
    workflowExecutionTimeout: RUN_TIMEOUT,
  };
  await ensureSchedule(temporal, {
    scheduleId: MAINTENANCE_SCHEDULE_ID,
    spec: { intervals: [{ every: '1 hour' }] },
    action,
    policies: { overlap: 'SKIP', catchupWindow: '1 hour' },
    memo: { purpose: 'housekeeping' },
  });
}
