import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import * as assignments from '../db/assignments';
import type { Db } from '../db/knex';
import * as leads from '../db/leads';
import { routingContext, type ActiveRuleset } from '../db/orgs';
import { repClock } from '../db/reps';
import { loadSharedState, ownersFor } from '../db/routingState';
import { stepKeys } from '../db/timeline';
import { GroupCommit, ownTurn } from '../concurrency';
import type { LeadState, RouteOutcome } from '../lead/machine';
import { FAILURE } from '../lead/model';
import { selectRep, slaPlan, takeTurn, type OwnerInfo, type Selection, type SharedState } from '../routing';
import type { Action, Stage } from '../routing/schema';
import { notBefore } from './clock';
import { currentTraceparent } from '../telemetry/tracing';
import type { NotifyDeps } from './notify';
import type { RulesetCache, RulesetMatch } from './rulesetCache';
import { ruleIdOf, waiting, writeDecisions, type Decision, type RouteLeadRequest } from './routingWrites';

export type { RouteLeadRequest } from './routingWrites';

/**
 * Routing attempts of one organization decided and written together (see GroupCommit): at most 32 in a batch,
 * two batches in flight per worker (the second locks its leads and reads its ruleset while the first holds
 * the pools). bench:assign: one batch in flight, 794 assignments/s; two, 1,250/s.
 */
const BATCHES = { maxBatch: 32, inFlight: 2 };

const notFound = (leadId: string) => ApplicationFailure.nonRetryable(`lead ${leadId} not found`, FAILURE.LEAD_NOT_FOUND);

/** "Reassign by hand to this rep": the lead keeps the SLA it has. */
function directTo(repId: string, lead: leads.LeadRow): RulesetMatch {
  return { match: { rule_id: null, source: 'RULE', action: { strategy: 'DIRECT', rep_id: repId }, sla: lead.sla, trace: [] }, ruleset: null };
}

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

/** An attempt past its replay checks: the lead, and the rule (or the hand) that decides where it goes. */
interface Pending {
  index: number;
  req: RouteLeadRequest;
  lead: leads.LeadRow;
  decided: RulesetMatch;
  at: Date;
  owner?: OwnerInfo;
}

/** What the rules say and the routing story that goes with it. */
function routingOf(p: Pending, selection: Selection | null) {
  const { match, ruleset } = p.decided;
  return {
    ruleset_id: ruleset?.id ?? null,
    ruleset_version: ruleset?.version ?? null,
    rule_id: match.rule_id,
    strategy: match.action?.strategy ?? null,
    explanation: { rules: match.trace, source: match.source, stages: selection?.stages ?? [] },
  };
}

export function routingActivities(deps: { db: Db; rulesets: RulesetCache; notify: NotifyDeps; taskQueue: string }) {
  const { db } = deps;

  /**
   * Replays, recoveries and closed leads are answered here; the rest get their rule. Returns what is left to
   * decide.
   */
  async function prepare(trx: Knex.Transaction, orgId: string, active: ActiveRuleset | null, reqs: RouteLeadRequest[], outcomes: Array<RouteOutcome | Error>): Promise<Pending[]> {
    const locked = await leads.lockLeadsForAttempts(trx, orgId, reqs.map((r) => ({ leadId: r.leadId, attempt: r.attempt })));
    const toDecide: Array<{ index: number; req: RouteLeadRequest; lead: leads.LeadRow }> = [];
    for (const [index, req] of reqs.entries()) {
      const found = locked.get(req.leadId);
      if (!found) {
        outcomes[index] = notFound(req.leadId);
        continue;
      }
      const { lead, prior } = found;
      const replayed = await replay(trx, lead, prior);
      if (replayed) outcomes[index] = replayed;
      else if (req.reason === 'ROUTED' && lead.status !== 'ROUTING') outcomes[index] = { kind: 'recovered', state: await recoverState(trx, lead) };
      else if (lead.status === 'CLOSED') outcomes[index] = { kind: 'closed' };
      else toDecide.push({ index, req, lead });
    }
    const matcher = toDecide.some((t) => !t.req.repId) ? await deps.rulesets.matcherFor(trx, orgId, active) : undefined;
    // Each lead's evaluation takes its own turn when it is heavy (ownTurn): a batch of one organization's
    // leads at their budget would otherwise hold the worker for the sum, and other organizations' leads behind it.
    const decisions = await Promise.all(toDecide.map(({ req, lead }) => (req.repId ? directTo(req.repId, lead) : ownTurn(() => matcher!(lead as unknown as Record<string, unknown>), orgId))));
    const pending: Pending[] = [];
    for (const [i, { index, req, lead }] of toDecide.entries()) {
      const decided = decisions[i]!;
      const action = decided.match.action;
      const owner = action ? await ownersFor(trx, orgId, action, { email: lead.email, accountDomains: lead.account_domain ? [lead.account_domain] : [], attributes: lead.attributes }) : undefined;
      pending.push({ index, req, lead, decided, at: notBefore(req.now), owner });
    }
    return pending;
  }

  /**
   * Routing attempts of one organization in one transaction: the leads are locked first, then the pools and
   * every candidate rep, once for all; each attempt picks its rep in turn, seeing the turns taken before it
   * (takeTurn), so concurrent leads into one pool take turns exactly and never overfill a rep; then
   * everything is written in a few statements. Retrying an attempt never assigns twice: it reports what the
   * attempt wrote.
   */
  async function routeTogether(trx: Knex.Transaction, orgId: string, reqs: RouteLeadRequest[]): Promise<Array<RouteOutcome | Error>> {
    const outcomes: Array<RouteOutcome | Error> = new Array(reqs.length);
    const context = await routingContext(trx, orgId);
    const pending = await prepare(trx, orgId, context?.activeRuleset ?? null, reqs, outcomes);
    const needs = pending.flatMap((p) => (p.decided.match.action ? [{ action: p.decided.match.action, owner: p.owner }] : []));
    const now = Math.max(0, ...pending.map((p) => p.at.getTime()));
    let state: SharedState = needs.length ? await loadSharedState(trx, orgId, needs, { now, lock: true }) : { reps: {}, pools: {} };
    const decisions: Array<Decision & { index: number }> = [];
    for (const p of pending) {
      const action: Action | null = p.decided.match.action;
      const ctx = action ? { now: p.at.getTime(), ...state, owner: p.owner, exclude: p.req.exclude } : null;
      const selection = action && ctx ? selectRep(action, ctx) : null;
      const kept = keptBy(p.req, p.lead, p.decided, selection);
      if (kept) {
        outcomes[p.index] = kept;
        continue;
      }
      if (!selection?.rep_id && p.req.onNoRep === 'KEEP') {
        // A reassignment by hand that finds nobody leaves the lead where it is: nothing is written.
        outcomes[p.index] = { ...waiting({ decided: p.decided, selection, ctx }), kind: 'unassigned', why: whyNot(selection?.stages ?? []), ruleId: ruleIdOf(p.decided) };
        continue;
      }
      if (selection?.rep_id) state = takeTurn(state, selection, p.at.getTime(), p.lead.assigned_rep_id);
      decisions.push({ index: p.index, req: p.req, lead: p.lead, decided: p.decided, at: p.at, routing: routingOf(p, selection), selection, ctx });
    }
    const written = await writeDecisions(trx, deps.notify, decisions, { ...state.pools }, context?.org, deps.taskQueue);
    decisions.forEach((d, i) => (outcomes[d.index] = written[i]!));
    return outcomes;
  }

  /** In one transaction; if it fails, lead by lead, so one lead's failure (a deadlock, a bad row) is only its own. */
  async function routeBatch(orgId: string, reqs: RouteLeadRequest[]): Promise<Array<RouteOutcome | Error>> {
    try {
      return await db.transaction((trx) => routeTogether(trx, orgId, reqs));
    } catch (err) {
      if (reqs.length === 1) return [err as Error];
      const alone: Array<RouteOutcome | Error> = [];
      for (const req of reqs) alone.push(...(await routeBatch(orgId, [req])));
      return alone;
    }
  }

  const batches = new GroupCommit<RouteLeadRequest, RouteOutcome>(async (orgId, reqs) => {
    // The same lead twice (an activity retried while its first try still runs) goes after the batch, alone:
    // it then finds what the first try wrote, as it would have behind the lead's lock.
    const first = reqs.filter((r, i) => reqs.findIndex((x) => x.leadId === r.leadId) === i);
    const outcomes = await routeBatch(orgId, first);
    const byRequest = new Map(first.map((r, i) => [r, outcomes[i]!]));
    for (const r of reqs) if (!byRequest.has(r)) byRequest.set(r, (await routeBatch(orgId, [r]))[0]!);
    return reqs.map((r) => byRequest.get(r)!);
  }, BATCHES);

  return {
    /**
     * One routing attempt: decided and written in one transaction with whatever other attempts of the
     * organization arrive meanwhile in this worker (a hot team's leads no longer queue one by one on the
     * pool's lock). The first attempt of a run that finds the lead already routed reports its state instead
     * (a new run for a lead whose earlier run ended).
     */
    routeLead(req: RouteLeadRequest): Promise<RouteOutcome> {
      // A batch is written in the trace of whichever attempt began it: each attempt names its own.
      const traceParent = currentTraceparent();
      return batches.submit(req.orgId, traceParent ? { ...req, traceParent } : req);
    },
  };
}
export type RoutingActivities = ReturnType<typeof routingActivities>;
