import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import * as assignments from '../db/assignments';
import type { Db } from '../db/knex';
import * as leads from '../db/leads';
import { repClock } from '../db/reps';
import { loadSelectionContext, repSourceFor } from '../db/routingState';
import { insertEvents, stepKeys, type NewEvent } from '../db/timeline';
import type { LeadState, RouteOutcome, RouteRequest } from '../lead/machine';
import { FAILURE, FALLBACK_RULE, type AssignReason, type UnassignedReason } from '../lead/model';
import { eligibilityChangeAt, selectRep, slaDeadline, slaPlan, stagesOf, type Selection, type SelectionContext } from '../routing';
import { setOwners } from '../db/accounts';
import type { Action, Stage } from '../routing/schema';
import type { Routing } from '../schemas/routing';
import { notBefore } from './clock';
import { queueNotifications, type NotifyDeps } from './notify';
import type { RulesetCache, RulesetMatch } from './rulesetCache';

export interface RouteLeadRequest extends RouteRequest {
  orgId: string;
  leadId: string;
  /** The workflow's clock (see notBefore). */
  now: number;
}

const EVENT_FOR: Record<AssignReason, 'ASSIGNED' | 'REASSIGNED'> = {
  ROUTED: 'ASSIGNED',
  RETRY: 'ASSIGNED',
  SLA_REASSIGN: 'REASSIGNED',
  MANUAL_REASSIGN: 'REASSIGNED',
  REP_UNAVAILABLE: 'REASSIGNED',
  REROUTE: 'REASSIGNED',
};

const notFound = (leadId: string) => ApplicationFailure.nonRetryable(`lead ${leadId} not found`, FAILURE.LEAD_NOT_FOUND);

/** "Reassign by hand to this rep": the lead keeps the SLA it has. */
function directTo(repId: string, lead: leads.LeadRow): RulesetMatch {
  return { match: { rule_id: null, source: 'RULE', action: { strategy: 'DIRECT', rep_id: repId }, sla: lead.sla, trace: [] }, ruleset: null };
}

/** The rule as statistics name it: the fallback has no rule id of its own. */
const ruleIdOf = ({ match }: RulesetMatch): string | null => match.rule_id ?? (match.source === 'FALLBACK' ? FALLBACK_RULE : null);

/** Why nobody could take it, for the answer to a manual reassignment: ` (rep_a: AWAY, rep_b: AT_CAPACITY)`. */
function whyNot(stages: Stage[]): string {
  const why = stages.flatMap((st) => st.candidates.filter((c) => !c.eligible).map((c) => `${c.rep_id}: ${c.reason}`));
  return why.length ? ` (${why.slice(0, 5).join(', ')})` : '';
}

/** Rebuilds a routed lead's process state from what its earlier workflow runs wrote. */
export async function recoverState(db: Db, lead: leads.LeadRow): Promise<LeadState> {
  const [history, keys] = await Promise.all([assignments.leadAssignments(db, lead.id), stepKeys(db, lead.id)]);
  const attemptOf = (key: string) => Number(/^attempt:(\d+):/.exec(key)?.[1] ?? 0);
  const current = history.at(-1)?.seq ?? 0;
  const escalated = keys.filter((k) => k.startsWith(`attempt:${current}:escalation:`)).map((k) => Number(k.split(':')[3]));
  const clock = lead.assigned_rep_id ? await repClock(db, lead.assigned_rep_id) : null;
  return {
    status: lead.status,
    repId: lead.assigned_rep_id,
    unassignedReason: lead.unassigned_reason,
    attempt: Math.max(0, ...keys.map(attemptOf), ...history.map((a) => a.seq)),
    reassignments: lead.reassignment_count,
    previousReps: [...new Set(history.map((a) => a.rep_id))],
    sla: lead.status === 'ASSIGNED' && lead.sla && lead.sla_due_at && clock ? slaPlan(lead.sla_due_at.getTime(), lead.sla, clock) : null,
    breached: keys.includes(`attempt:${current}:breach`),
    escalationsDone: escalated.length ? Math.max(...escalated) + 1 : 0,
    touched: lead.first_touch_at !== null,
    retryAt: null,
    repName: clock?.name ?? null,
    ruleId: lead.rule_id,
  };
}

/** A retried attempt reports what the first one decided, read back from what it wrote. */
async function replay(trx: Knex.Transaction, lead: leads.LeadRow, prior: leads.PriorAttempt): Promise<RouteOutcome | null> {
  if (prior.noRep) return { kind: 'unassigned', reason: prior.noRep.reason, retryAt: prior.noRep.retry_at ? Date.parse(prior.noRep.retry_at) : null, why: '' };
  if (!prior.repId) return null;
  const clock = await repClock(trx, prior.repId);
  const held = lead.assigned_rep_id === prior.repId && lead.sla && lead.sla_due_at && clock;
  return { kind: 'assigned', repId: prior.repId, repName: clock?.name, ruleId: lead.rule_id, sla: held ? slaPlan(lead.sla_due_at!.getTime(), lead.sla!, clock) : null };
}

/** A re-route that would leave an assigned lead where it is writes nothing: same rule (when asked), or same rep. */
function keptBy(req: RouteLeadRequest, lead: leads.LeadRow, decided: RulesetMatch, selection: Selection | null): RouteOutcome | null {
  if (req.reason !== 'REROUTE' || !lead.assigned_rep_id) return null;
  if (req.keepIfSameRule && ruleIdOf(decided) === lead.rule_id) return { kind: 'kept', why: `rule ${lead.rule_id ?? '(none)'} still matches; the lead stays with ${lead.assigned_rep_id}` };
  if (selection?.rep_id === lead.assigned_rep_id) return { kind: 'kept', why: `routing chose ${lead.assigned_rep_id} again` };
  return null;
}

interface Attempt {
  notify: NotifyDeps;
  req: RouteLeadRequest;
  lead: leads.LeadRow;
  decided: RulesetMatch;
  routing: Routing;
  at: Date;
}

async function assignTo(trx: Knex.Transaction, a: Attempt, selection: Selection, ctx: SelectionContext): Promise<RouteOutcome> {
  const { req, lead, decided, at } = a;
  const { match } = decided;
  const rep = ctx.reps[selection.rep_id!]!;
  // The stage that picked the rep is the action or its fallback: its pool and its set_owner count.
  const stage = selection.stages.find((st) => st.rep_id === rep.id)!;
  const previous = await assignments.endOpenAssignment(trx, req.orgId, req.leadId, 'REASSIGNED', at);
  const pools = Object.entries(selection.pool_updates).map(([key, pool]) => ({ key, ...pool }));
  await assignments.startAssignment(
    trx,
    { org_id: req.orgId, lead_id: req.leadId, rep_id: rep.id, seq: req.attempt, reason: req.reason, rule_id: match.rule_id, strategy: match.action!.strategy, pool_key: stage.pool_key, assigned_at: at },
    rep.timezone,
    pools,
  );
  if (stagesOf(match.action!)[selection.stages.indexOf(stage)]?.set_owner) await setOwners(trx, req.orgId, lead.contact_id, lead.account_domain, rep.id);
  const touched = lead.first_touch_at !== null;
  const clock = { timezone: rep.timezone, working_hours: rep.working_hours, closures: rep.closures };
  const dueAt = match.sla && !touched ? slaDeadline(at.getTime(), match.sla, clock) : null;
  // Reported under the team whose pool it came from (else the rep's first team), and the rule that sent it.
  const assigned = await leads.markAssigned(trx, req.leadId, {
    status: touched ? 'CONTACTED' : 'ASSIGNED',
    repId: rep.id,
    routing: a.routing,
    sla: match.sla,
    slaDueAt: dueAt === null ? null : new Date(dueAt),
    assignedAt: at,
    team: stage.pool_key.startsWith('team:') ? stage.pool_key.slice(5) : (rep.teams[0] ?? null),
    ruleId: ruleIdOf(a.decided),
    countsAsReassignment: req.reason === 'SLA_REASSIGN',
  });
  const stepKey = `attempt:${req.attempt}:assigned`;
  const eventId = await recordWithRouted(trx, a, {
    org_id: req.orgId,
    lead_id: req.leadId,
    // A re-routed lead that had no rep is simply assigned (subscribers hear lead.assigned).
    type: req.reason === 'REROUTE' && !previous ? 'ASSIGNED' : EVENT_FOR[req.reason],
    step_key: stepKey,
    rep_id: rep.id,
    occurred_at: at,
    data: { reason: req.reason, previous_rep_id: previous, rule_id: match.rule_id, strategy: match.action!.strategy, sla_due_at: dueAt === null ? null : new Date(dueAt).toISOString() },
  });
  if (eventId) {
    await queueNotifications(trx, a.notify, { kind: 'ASSIGNED', orgId: req.orgId, leadId: req.leadId, lead: assigned, eventId, stepKey, repId: rep.id, at, notifyOnAssign: match.action!.notify_on_assign, slaDueAt: dueAt });
  }
  return { kind: 'assigned', repId: rep.id, repName: rep.name, ruleId: ruleIdOf(a.decided), sla: dueAt === null ? null : slaPlan(dueAt, match.sla!, clock) };
}

async function leaveWaiting(trx: Knex.Transaction, a: Attempt, selection: Selection | null, ctx: SelectionContext | null): Promise<RouteOutcome> {
  const { req, at } = a;
  const { action } = a.decided.match;
  const reason: UnassignedReason = action ? 'NO_ELIGIBLE_REP' : 'NO_RULE_MATCHED';
  const retryAt = selection && ctx ? eligibilityChangeAt(selection, ctx) : null;
  // A reassignment by hand that finds nobody leaves the lead where it is: nothing is written.
  if (req.onNoRep === 'KEEP') return { kind: 'unassigned', reason, retryAt, why: whyNot(selection?.stages ?? []), ruleId: ruleIdOf(a.decided) };
  const source = action ? repSourceFor(action, ctx?.owner) : { teams: [], ids: [] };
  const previous = await assignments.endOpenAssignment(trx, req.orgId, req.leadId, 'UNASSIGNED', at);
  await leads.markUnassigned(trx, req.leadId, { reason, waitingTeams: source.teams, waitingRepIds: source.ids, routing: a.routing, at });
  const retry = retryAt === null ? null : new Date(retryAt).toISOString();
  await recordWithRouted(trx, a, { org_id: req.orgId, lead_id: req.leadId, type: 'UNASSIGNED', step_key: `attempt:${req.attempt}:no-rep`, occurred_at: at, data: { reason, previous_rep_id: previous, retry_at: retry } });
  return { kind: 'unassigned', reason, retryAt, why: '', ruleId: ruleIdOf(a.decided) };
}

/**
 * The attempt's outcome event, written after the ROUTED event (which rule decided, once per lead: on its first
 * routing attempt) in one statement. Returns the outcome event's id, null when it was written before.
 */
async function recordWithRouted(trx: Knex.Transaction, a: Attempt, outcome: NewEvent): Promise<string | null> {
  const { match, ruleset } = a.decided;
  const routed: NewEvent[] =
    a.req.attempt === 1
      ? [
          {
            org_id: a.req.orgId,
            lead_id: a.req.leadId,
            type: 'ROUTED',
            step_key: 'routed',
            occurred_at: a.at,
            data: { rule_id: match.rule_id, source: match.source, strategy: match.action?.strategy ?? null, ruleset_id: ruleset?.id ?? null, ruleset_version: ruleset?.version ?? null },
          },
        ]
      : [];
  return (await insertEvents(trx, [...routed, outcome])).at(-1)!;
}

export function routingActivities(deps: { db: Db; rulesets: RulesetCache; notify: NotifyDeps }) {
  const { db } = deps;

  /** Picks the rep under row locks on the lead, the pool and every candidate, and records the assignment. */
  async function attempt(trx: Knex.Transaction, req: RouteLeadRequest, lead: leads.LeadRow, decided: RulesetMatch): Promise<RouteOutcome> {
    if (lead.status === 'CLOSED') return { kind: 'closed' };
    const at = notBefore(req.now);
    const action: Action | null = decided.match.action;
    let selection: Selection | null = null;
    let ctx: SelectionContext | null = null;
    if (action) {
      ctx = await loadSelectionContext(trx, req.orgId, action, { email: lead.email, accountDomains: lead.account_domain ? [lead.account_domain] : [] }, { now: at.getTime(), lock: true, exclude: req.exclude });
      selection = selectRep(action, ctx);
    }
    const kept = keptBy(req, lead, decided, selection);
    if (kept) return kept;
    const { match, ruleset } = decided;
    const routing: Routing = {
      ruleset_id: ruleset?.id ?? null,
      ruleset_version: ruleset?.version ?? null,
      rule_id: match.rule_id,
      strategy: action?.strategy ?? null,
      explanation: { rules: match.trace, source: match.source, stages: selection?.stages ?? [] },
    };
    const a: Attempt = { notify: deps.notify, req, lead, decided, routing, at };
    return selection?.rep_id && ctx ? assignTo(trx, a, selection, ctx) : leaveWaiting(trx, a, selection, ctx);
  }

  return {
    /**
     * One routing attempt, in one transaction that locks the lead first: the rules are evaluated (on a compiled
     * ruleset from the cache), then the rep is picked under the pool's lock and the outcome written, so
     * concurrent leads into one pool take turns exactly and never overfill a rep. Retrying an attempt never
     * assigns twice: it reports what the attempt wrote. The first attempt of a run that finds the lead already
     * routed reports its state instead (a new run for a lead whose earlier run ended).
     */
    async routeLead(req: RouteLeadRequest): Promise<RouteOutcome> {
      return db.transaction(async (trx) => {
        const locked = await leads.lockLeadForAttempt(trx, req.orgId, req.leadId, req.attempt);
        if (!locked) throw notFound(req.leadId);
        const { lead, prior } = locked;
        const replayed = await replay(trx, lead, prior);
        if (replayed) return replayed;
        if (req.reason === 'ROUTED' && lead.status !== 'ROUTING') return { kind: 'recovered', state: await recoverState(trx, lead) };
        const decided = req.repId ? directTo(req.repId, lead) : await deps.rulesets.matchActive(trx, req.orgId, lead as unknown as Record<string, unknown>);
        return attempt(trx, req, lead, decided);
      });
    },
  };
}
export type RoutingActivities = ReturnType<typeof routingActivities>;
