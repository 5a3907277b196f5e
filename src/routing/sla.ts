import type { EscalationAction, Sla } from './schema';
import { addBusinessMinutes, type Closures, type WeeklyHours } from './time';

/**
 * SLA deadlines. Wall-clock SLAs count real elapsed minutes. Business-hours SLAs count only the assigned
 * rep's working hours in the rep's time zone; escalation offsets after the deadline use the same clock, so
 * a business-hours escalation never fires in the middle of the night.
 */

export interface RepClock {
  timezone: string;
  working_hours: WeeklyHours | null;
  /** Holidays and half days from the calendars that apply to the rep (organization, team, own). */
  closures?: Closures;
}

function add(fromMs: number, minutes: number, sla: Sla, rep: RepClock): number {
  return sla.business_hours ? addBusinessMinutes(fromMs, minutes, rep.working_hours, rep.timezone, rep.closures) : fromMs + Math.round(minutes * 60_000);
}

export function slaDeadline(assignedAtMs: number, sla: Sla, rep: RepClock): number {
  return add(assignedAtMs, sla.first_touch_minutes, sla, rep);
}

export interface ScheduledEscalation {
  at: number;
  action: EscalationAction;
  /** Position in sla.escalations, used to make each step's writes idempotent. */
  step: number;
}

export function escalationSchedule(deadlineMs: number, sla: Sla, rep: RepClock): ScheduledEscalation[] {
  return sla.escalations.map((e, step) => ({ at: e.after_minutes === 0 ? deadlineMs : add(deadlineMs, e.after_minutes, sla, rep), action: e.action, step }));
}

/** An assignment's SLA as the lead's process follows it: the deadline, and when each escalation step is due. */
export interface SlaPlan {
  dueAt: number;
  steps: Array<{ at: number; action: EscalationAction }>;
  maxReassignments: number;
}

/** The plan for a deadline already fixed (`dueAt`), with the escalations on the assigned rep's clock. */
export function slaPlan(dueAt: number, sla: Sla, rep: RepClock): SlaPlan {
  return { dueAt, steps: escalationSchedule(dueAt, sla, rep).map(({ at, action }) => ({ at, action })), maxReassignments: sla.max_reassignments };
}
