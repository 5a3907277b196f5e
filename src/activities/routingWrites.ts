import type { Knex } from 'knex';
import { setOwners } from '../db/accounts';
import * as assignments from '../db/assignments';
import * as leads from '../db/leads';
import { findOrg } from '../db/orgs';
import { repSourceFor } from '../db/routingState';
import { insertEvents, type NewEvent } from '../db/timeline';
import type { RouteOutcome, RouteRequest } from '../lead/machine';
import { FALLBACK_RULE, type AssignReason, type UnassignedReason } from '../lead/model';
import { eligibilityChangeAt, slaDeadline, slaPlan, stagesOf, type PoolState, type Selection, type SelectionContext } from '../routing';
import type { Routing } from '../schemas/routing';
import { queueNotifications, type NotifyDeps } from './notify';
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

/**
 * Writes what the decisions say: ends the leads' current assignments, opens the new ones with the pools'
 * final rotation state, marks the leads, records their events and queues their notifications. Returns each
 * decision's outcome, in order.
 */
export async function writeDecisions(trx: Knex.Transaction, notify: NotifyDeps, decisions: Decision[], pools: Record<string, PoolState>): Promise<RouteOutcome[]> {
  if (!decisions.length) return [];
  const orgId = decisions[0]!.req.orgId;
  const isAssigned = (d: Decision) => Boolean(d.selection?.rep_id && d.ctx);
  const assigned = decisions.filter(isAssigned);
  // A lead still ROUTING has never had an assignment (it leaves ROUTING for good when it gets one).
  const mayHaveOne = decisions.filter((d) => d.lead.status !== 'ROUTING' || d.lead.assigned_rep_id !== null);
  const previous = await assignments.endOpenAssignments(
    trx,
    orgId,
    mayHaveOne.map((d) => ({ leadId: d.req.leadId, reason: isAssigned(d) ? 'REASSIGNED' : 'UNASSIGNED', at: d.at })),
  );
  const made = new Map(assigned.map((d) => [d, assignmentOf(d)]));
  const touchedPools = new Set(assigned.flatMap((d) => Object.keys(d.selection!.pool_updates)));
  await assignments.startAssignments(
    trx,
    orgId,
    [...made].map(([d, { rep, stage }]) => ({ lead_id: d.req.leadId, rep_id: rep.id, seq: d.req.attempt, reason: d.req.reason, rule_id: d.decided.match.rule_id, strategy: d.decided.match.action!.strategy, pool_key: stage.pool_key, assigned_at: d.at, repTimezone: rep.timezone })),
    [...touchedPools].sort().map((key) => ({ key, ...pools[key]! })),
  );
  for (const [d, { rep }] of [...made].filter(([, m]) => m.setOwner)) await setOwners(trx, orgId, d.lead.contact_id, d.lead.account_domain, rep.id);
  // Reported under the team whose pool it came from (else the rep's first team), and the rule that sent it.
  const updated = await leads.markAssigned(
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
  const events: NewEvent[] = [];
  const outcomeEvent = new Map<Decision, number>();
  for (const d of decisions) {
    const before = previous.get(d.req.leadId) ?? null;
    events.push(...routedEvent(d));
    outcomeEvent.set(d, events.length);
    const m = made.get(d);
    if (m) {
      events.push({
        org_id: orgId,
        lead_id: d.req.leadId,
        // A re-routed lead that had no rep is simply assigned (subscribers hear lead.assigned).
        type: d.req.reason === 'REROUTE' && !before ? 'ASSIGNED' : EVENT_FOR[d.req.reason],
        step_key: `attempt:${d.req.attempt}:assigned`,
        rep_id: m.rep.id,
        occurred_at: d.at,
        data: { reason: d.req.reason, previous_rep_id: before, rule_id: d.decided.match.rule_id, strategy: d.decided.match.action!.strategy, sla_due_at: m.dueAt === null ? null : new Date(m.dueAt).toISOString() },
      });
    } else {
      const { reason, retryAt } = waiting(d);
      const source = d.decided.match.action ? repSourceFor(d.decided.match.action, d.ctx?.owner) : { teams: [], ids: [] };
      await leads.markUnassigned(trx, d.req.leadId, { reason, waitingTeams: source.teams, waitingRepIds: source.ids, routing: d.routing, at: d.at });
      events.push({ org_id: orgId, lead_id: d.req.leadId, type: 'UNASSIGNED', step_key: `attempt:${d.req.attempt}:no-rep`, occurred_at: d.at, data: { reason, previous_rep_id: before, retry_at: retryAt === null ? null : new Date(retryAt).toISOString() } });
    }
  }
  const eventIds = await insertEvents(trx, events);
  const org = assigned.length ? await findOrg(trx, orgId) : undefined;
  const outcomes: RouteOutcome[] = [];
  for (const d of decisions) {
    const m = made.get(d);
    if (!m) {
      const { reason, retryAt } = waiting(d);
      outcomes.push({ kind: 'unassigned', reason, retryAt, why: '', ruleId: ruleIdOf(d.decided) });
      continue;
    }
    const eventId = eventIds[outcomeEvent.get(d)!];
    if (eventId) {
      const stepKey = `attempt:${d.req.attempt}:assigned`;
      await queueNotifications(trx, notify, { kind: 'ASSIGNED', orgId, leadId: d.req.leadId, org, lead: updated.get(d.req.leadId), eventId, stepKey, repId: m.rep.id, at: d.at, notifyOnAssign: d.decided.match.action!.notify_on_assign, slaDueAt: m.dueAt });
    }
    outcomes.push({ kind: 'assigned', repId: m.rep.id, repName: m.rep.name, ruleId: ruleIdOf(d.decided), sla: m.dueAt === null ? null : slaPlan(m.dueAt, d.decided.match.sla!, m.clock) });
  }
  return outcomes;
}

/** Why a lead has nobody, and when someone may become eligible. */
export function waiting(d: Pick<Decision, 'decided' | 'selection' | 'ctx'>): { reason: UnassignedReason; retryAt: number | null } {
  return {
    reason: d.decided.match.action ? 'NO_ELIGIBLE_REP' : 'NO_RULE_MATCHED',
    retryAt: d.selection && d.ctx ? eligibilityChangeAt(d.selection, d.ctx) : null,
  };
}
