import type { Knex } from 'knex';
import { setOwners } from '../db/accounts';
import * as assignments from '../db/assignments';
import * as leads from '../db/leads';
import type { OrgRow } from '../db/orgs';
import { repSourceFor } from '../db/routingState';
import { insertEvents, type NewEvent } from '../db/timeline';
import type { RouteOutcome, RouteRequest } from '../lead/machine';
import { FALLBACK_RULE, type AssignReason, type UnassignedReason } from '../lead/model';
import { eligibilityChangeAt, slaDeadline, slaPlan, stagesOf, type PoolState, type Selection, type SelectionContext } from '../routing';
import type { Routing } from '../schemas/routing';
import { queueNotifications, type NotifyDeps } from './notify';
import { enqueueCrmWrites } from '../db/crmWrites';
import { allCrmModels } from '../crm/models';
import { leadAssigned, orgLabel, routingDecisions } from '../metrics/metrics';
import type { RulesetMatch } from './rulesetCache';

/**
 * The write half of routing: what a set of attempts decided (in one transaction, under the locks their
 * decisions were made with) is recorded in a handful of statements, however many attempts there are.
 */

export interface RouteLeadRequest extends RouteRequest {
  orgId: string;
  leadId: string;
  /** The workflow's clock (see notBefore). */
  now: number;
  /** Set by the worker, not the workflow: the trace this attempt runs in, which its webhook deliveries continue. */
  traceParent?: string;
}

/** An attempt whose rep (or lack of one) is decided and must be written. */
export interface Decision {
  req: RouteLeadRequest;
  lead: leads.LeadRow;
  decided: RulesetMatch;
  at: Date;
  routing: Routing;
  selection: Selection | null;
  ctx: SelectionContext | null;
}

const EVENT_FOR: Record<AssignReason, 'ASSIGNED' | 'REASSIGNED'> = {
  ROUTED: 'ASSIGNED',
  RETRY: 'ASSIGNED',
  SLA_REASSIGN: 'REASSIGNED',
  MANUAL_REASSIGN: 'REASSIGNED',
  REP_UNAVAILABLE: 'REASSIGNED',
  REROUTE: 'REASSIGNED',
};

/** The rule as statistics name it: the fallback has no rule id of its own. */
export const ruleIdOf = ({ match }: RulesetMatch): string | null => match.rule_id ?? (match.source === 'FALLBACK' ? FALLBACK_RULE : null);

/** The ROUTED event (which rule decided), written once per lead: on its first routing attempt. */
function routedEvent(d: Decision): NewEvent[] {
  if (d.req.attempt !== 1) return [];
  const { match, ruleset } = d.decided;
  return [
    {
      org_id: d.req.orgId,
      lead_id: d.req.leadId,
      type: 'ROUTED',
      step_key: 'routed',
      occurred_at: d.at,
      data: { rule_id: match.rule_id, source: match.source, strategy: match.action?.strategy ?? null, ruleset_id: ruleset?.id ?? null, ruleset_version: ruleset?.version ?? null },
    },
  ];
}

/** An assignment as written: the rep, the stage that picked them, the SLA deadline. */
function assignmentOf(d: Decision) {
  const { match } = d.decided;
  const rep = d.ctx!.reps[d.selection!.rep_id!]!;
  // The stage that picked the rep is the action or its fallback: its pool and its set_owner count.
  const stage = d.selection!.stages.find((st) => st.rep_id === rep.id)!;
  const clock = { timezone: rep.timezone, working_hours: rep.working_hours, closures: rep.closures };
  const dueAt = match.sla && d.lead.first_touch_at === null ? slaDeadline(d.at.getTime(), match.sla, clock) : null;
  const setOwner = Boolean(stagesOf(match.action!)[d.selection!.stages.indexOf(stage)]?.set_owner);
  return { rep, stage, clock, dueAt, setOwner };
}

type Made = ReturnType<typeof assignmentOf>;

/** Opens the assignments, with the pools' final rotation state; an owner-setting stage also sets the owners. */
async function openAssignments(trx: Knex.Transaction, orgId: string, made: Map<Decision, Made>, pools: Record<string, PoolState>): Promise<void> {
  const touchedPools = new Set([...made.keys()].flatMap((d) => Object.keys(d.selection!.pool_updates)));
  await assignments.startAssignments(
    trx,
    orgId,
    [...made].map(([d, { rep, stage }]) => ({ lead_id: d.req.leadId, rep_id: rep.id, seq: d.req.attempt, reason: d.req.reason, rule_id: d.decided.match.rule_id, strategy: d.decided.match.action!.strategy, pool_key: stage.pool_key, assigned_at: d.at, repTimezone: rep.timezone })),
    [...touchedPools].sort().map((key) => ({ key, ...pools[key]! })),
  );
  for (const [d, { rep }] of [...made].filter(([, m]) => m.setOwner)) await setOwners(trx, orgId, d.lead.contact_id, d.lead.account_domain, rep.id);
}

/** Marks each lead assigned (in one statement) or waiting; returns the assigned ones as they now are. */
async function markLeads(trx: Knex.Transaction, decisions: Decision[], made: Map<Decision, Made>): Promise<Map<string, leads.LeadRow>> {
  for (const d of decisions.filter((x) => !made.has(x))) {
    const source = d.decided.match.action ? repSourceFor(d.decided.match.action, d.ctx?.owner) : { teams: [], ids: [] };
    await leads.markUnassigned(trx, d.req.leadId, { reason: waiting(d).reason, waitingTeams: source.teams, waitingRepIds: source.ids, routing: d.routing, at: d.at });
  }
  // Reported under the team whose pool it came from (else the rep's first team), and the rule that sent it.
  return leads.markAssigned(
    trx,
    [...made].map(([d, { rep, stage, dueAt }]) => ({
      leadId: d.req.leadId,
      status: d.lead.first_touch_at !== null ? 'CONTACTED' : 'ASSIGNED',
      repId: rep.id,
      routing: d.routing,
      sla: d.decided.match.sla,
      slaDueAt: dueAt === null ? null : new Date(dueAt),
      assignedAt: d.at,
      team: stage.pool_key.startsWith('team:') ? stage.pool_key.slice(5) : (rep.teams[0] ?? null),
      ruleId: ruleIdOf(d.decided),
      countsAsReassignment: d.req.reason === 'SLA_REASSIGN',
    })),
  );
}

/** The decision's outcome event: assigned (or reassigned) to the rep, or left waiting, and why. */
function outcomeEvent(d: Decision, m: Made | undefined, before: string | null): NewEvent {
  const base = { org_id: d.req.orgId, lead_id: d.req.leadId, occurred_at: d.at, trace_parent: d.req.traceParent };
  if (!m) {
    const { reason, retryAt } = waiting(d);
    return { ...base, type: 'UNASSIGNED', step_key: `attempt:${d.req.attempt}:no-rep`, data: { reason, previous_rep_id: before, retry_at: retryAt === null ? null : new Date(retryAt).toISOString() } };
  }
  return {
    ...base,
    // A re-routed lead that had no rep is simply assigned (subscribers hear lead.assigned).
    type: d.req.reason === 'REROUTE' && !before ? 'ASSIGNED' : EVENT_FOR[d.req.reason],
    step_key: `attempt:${d.req.attempt}:assigned`,
    rep_id: m.rep.id,
    data: { reason: d.req.reason, previous_rep_id: before, rule_id: d.decided.match.rule_id, strategy: d.decided.match.action!.strategy, sla_due_at: m.dueAt === null ? null : new Date(m.dueAt).toISOString() },
  };
}

/**
 * Writes what the decisions say: ends the leads' current assignments, opens the new ones, marks the leads,
 * records their events (ROUTED first on a lead's first attempt) and queues their notifications (`org` was read
 * with the batch). Returns each decision's outcome, in order.
 */
export async function writeDecisions(trx: Knex.Transaction, notify: NotifyDeps, decisions: Decision[], pools: Record<string, PoolState>, org: OrgRow | undefined, taskQueue: string): Promise<RouteOutcome[]> {
  if (!decisions.length) return [];
  const orgId = decisions[0]!.req.orgId;
  const made = new Map(decisions.filter((d) => d.selection?.rep_id && d.ctx).map((d) => [d, assignmentOf(d)]));
  // A lead still ROUTING has never had an assignment (it leaves ROUTING for good when it gets one).
  const mayHaveOne = decisions.filter((d) => d.lead.status !== 'ROUTING' || d.lead.assigned_rep_id !== null);
  const previous = await assignments.endOpenAssignments(trx, orgId, mayHaveOne.map((d) => ({ leadId: d.req.leadId, reason: made.has(d) ? 'REASSIGNED' : 'UNASSIGNED', at: d.at })));
  await openAssignments(trx, orgId, made, pools);
  const updated = await markLeads(trx, decisions, made);
  const events = decisions.map((d) => [...routedEvent(d), outcomeEvent(d, made.get(d), previous.get(d.req.leadId) ?? null)]);
  const ids = await insertEvents(trx, events.flat());
  await askForCrmWrites(trx, orgId, made, taskQueue);
  const outcomes: RouteOutcome[] = [];
  let written = 0;
  for (const [i, d] of decisions.entries()) {
    written += events[i]!.length;
    const eventId = ids[written - 1];
    const m = made.get(d);
    if (!m) {
      outcomes.push({ ...waiting(d), kind: 'unassigned', why: '', ruleId: ruleIdOf(d.decided) });
      continue;
    }
    if (eventId) {
      const stepKey = `attempt:${d.req.attempt}:assigned`;
      await queueNotifications(trx, notify, { kind: 'ASSIGNED', orgId, leadId: d.req.leadId, org, lead: updated.get(d.req.leadId), eventId, stepKey, repId: m.rep.id, at: d.at, notifyOnAssign: d.decided.match.action!.notify_on_assign, slaDueAt: m.dueAt });
    }
    outcomes.push({ kind: 'assigned', repId: m.rep.id, repName: m.rep.name, ruleId: ruleIdOf(d.decided), sla: m.dueAt === null ? null : slaPlan(m.dueAt, d.decided.match.sla!, m.clock) });
  }
  // Counted once the transaction commits: a decision rolled back (and routed again) is not counted twice.
  void trx.executionPromise.then(() => countDecisions(decisions, made), () => undefined);
  return outcomes;
}

/**
 * An assignment of a lead that came from a CRM (its external_id is hubspot:contact:<id>, salesforce:lead:<id>)
 * asks for the owner to be written back, in this transaction (the write itself is the lead's CRM workflow's:
 * workflows/crm.ts). Other leads cost nothing here.
 */
async function askForCrmWrites(trx: Knex.Transaction, orgId: string, made: Map<Decision, Made>, taskQueue: string): Promise<void> {
  for (const model of allCrmModels()) {
    const writes = [...made].flatMap(([d, m]) => {
      const personId = model.personIdOf(d.lead.external_id);
      return personId ? [{ org_id: orgId, lead_id: d.req.leadId, object_id: personId, rep_id: m.rep.id, step_key: `attempt:${d.req.attempt}:assigned` }] : [];
    });
    await enqueueCrmWrites(trx, model.crm, orgId, taskQueue, writes);
  }
}

function countDecisions(decisions: readonly Decision[], made: ReadonlyMap<Decision, Made>): void {
  for (const d of decisions) {
    if (!made.has(d)) {
      routingDecisions.inc({ outcome: 'unassigned', reason: waiting(d).reason });
      continue;
    }
    routingDecisions.inc({ outcome: 'assigned', reason: d.req.reason });
    // The first assignment a lead ever gets: lead → assigned, the product's headline latency.
    if (d.lead.assigned_at === null) leadAssigned.observe({ org: orgLabel(d.req.orgId) }, Math.max(0, d.at.getTime() - d.lead.received_at.getTime()) / 1000);
  }
}

/** Why a lead has nobody, and when someone may become eligible. */
export function waiting(d: Pick<Decision, 'decided' | 'selection' | 'ctx'>): { reason: UnassignedReason; retryAt: number | null } {
  return {
    reason: d.decided.match.action ? 'NO_ELIGIBLE_REP' : 'NO_RULE_MATCHED',
    retryAt: d.selection && d.ctx ? eligibilityChangeAt(d.selection, d.ctx) : null,
  };
}
