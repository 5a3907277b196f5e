import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { LeadState } from './machine';
import type { LeadStatus } from './model';

/**
 * The lead workflow's messages, shared by the workflow and the API (defining them has no side effects).
 * Updates answer once the workflow has carried the command out; validators turn away commands the lead's
 * current state makes illegal, which the API reports as 409. Answers carry only what callers read.
 */
export interface LeadWorkflowInput {
  orgId: string;
  leadId: string;
  /** Carried across continue-as-new; absent on the first run. */
  resume?: LeadState;
}

export interface FirstTouch {
  activityId: string;
  repId: string;
  occurredAt: string;
}

export interface CommandReply {
  accepted: boolean;
  /** Why not, when not accepted (the state changed between validation and execution). */
  reason?: string;
}

/** What POST /v1/leads waits for: that routing has decided (the API reads the decision from the database). */
export const decisionUpdate = defineUpdate<{ status: LeadStatus }>('decision');
export const firstTouchUpdate = defineUpdate<CommandReply, [FirstTouch]>('firstTouch');
export const reassignUpdate = defineUpdate<CommandReply, [{ repId?: string }]>('reassign');
export const closeUpdate = defineUpdate<CommandReply, [{ reason: string }]>('close');
/** The lead's data changed (PATCH /v1/leads/:id, a re-route job): route it again on what it says now. */
export const rerouteUpdate = defineUpdate<CommandReply, [{ keepIfSameRule: boolean }]>('reroute');
/** Something changed that may make a rep eligible (rep status, hours, capacity, a new ruleset). */
export const wakeSignal = defineSignal('wake');
/** The assigned rep went offline: move the lead on if it has not been touched. */
export const repUnavailableSignal = defineSignal<[{ repId: string }]>('repUnavailable');
export const stateQuery = defineQuery<LeadState>('state');

/** The lead's CRM owner writes run in a workflow of their own, one per lead and CRM: told when another waits. */
export const crmWritePendingSignal = defineSignal('crmWritePending');
export const crmWriteWorkflowId = (crm: string, leadId: string): string => `crm-${crm}-${leadId}`;
export const crmInboundWorkflowId = (batchId: string): string => `crm-in-${batchId}`;
export const crmOwnerSyncWorkflowId = (crm: string, orgId: string): string => `crm-owners-${crm}-${orgId}`;
export const crmPollWorkflowId = (crm: string, orgId: string): string => `crm-poll-${crm}-${orgId}`;
