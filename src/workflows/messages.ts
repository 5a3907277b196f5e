import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RepClock } from '../routing/sla';
import type { Sla } from '../routing/schema';
import type { Routing } from '../schemas/routing';

/**
 * The lead workflow's messages, shared by the workflow and the API (defining them has no side effects).
 * Updates answer the caller once the main loop has carried the command out; validators turn away commands
 * that the lead's current state makes illegal, which the API reports as 409.
 */

export type LeadStatus = 'ROUTING' | 'ASSIGNED' | 'CONTACTED' | 'UNASSIGNED' | 'CLOSED';

export type UnassignedReason = 'NO_ELIGIBLE_REP' | 'NO_RULE_MATCHED' | 'MAX_REASSIGNMENTS' | 'ESCALATION_UNASSIGN';

export interface LeadWorkflowInput {
  orgId: string;
  leadId: string;
  /** Carried across continue-as-new; absent on the first run. */
  resume?: LeadSnapshot;
}

export interface LeadSnapshot {
  status: LeadStatus;
  repId: string | null;
  unassignedReason: UnassignedReason | null;
  /** Routing attempts made so far; each attempt's writes are keyed by it. */
  attempt: number;
  /** SLA-driven reassignments so far, against sla.max_reassignments. */
  reassignments: number;
  /** Every rep who has held the lead: an SLA reassignment never returns it to them. */
  previousReps: string[];
  sla: Sla | null;
  slaDueAt: number | null;
  /** The assigned rep's time zone and hours: business-hours escalations count on them. */
  repClock: RepClock | null;
  /** Escalation steps of the current assignment already carried out. */
  escalationsDone: number;
  breached: boolean;
  firstTouchAt: number | null;
  /** While waiting for a rep: when the passage of time alone may make one eligible. */
  retryAt: number | null;
  assignedAt: number | null;
  /** The latest routing decision: ruleset, rule, strategy and explanation. */
  routing: Routing | null;
}

/** What POST /v1/leads waits for: the routing decision, once there is one. */
export type Decision = Pick<LeadSnapshot, 'status' | 'repId' | 'unassignedReason' | 'sla' | 'slaDueAt' | 'assignedAt' | 'routing'>;

export interface FirstTouch {
  activityId: string;
  repId: string;
  occurredAt: string;
}

export interface CommandResult {
  accepted: boolean;
  /** Why not, when not accepted (the state changed between validation and execution). */
  reason?: string;
  state: LeadSnapshot;
}

export const decisionUpdate = defineUpdate<Decision>('decision');
export const firstTouchUpdate = defineUpdate<CommandResult, [FirstTouch]>('firstTouch');
export const reassignUpdate = defineUpdate<CommandResult, [{ repId?: string }]>('reassign');
export const closeUpdate = defineUpdate<CommandResult, [{ reason: string }]>('close');
/** Something changed that may make a rep eligible (rep status, hours, capacity, a new ruleset). */
export const wakeSignal = defineSignal('wake');
/** The assigned rep went offline: move the lead on if it has not been touched. */
export const repUnavailableSignal = defineSignal<[{ repId: string }]>('repUnavailable');
export const stateQuery = defineQuery<LeadSnapshot>('state');
