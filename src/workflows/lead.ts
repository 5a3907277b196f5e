import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { LifecycleActivities } from '../activities/lifecycle';
import type { AssignReason, AssignResult, RoutingActivities, RoutingContext } from '../activities/routing';
import { compileRuleset, escalationSchedule, matchRule, type RuleMatch } from '../routing';
import { SA } from '../temporal/searchAttributes';
import {
  closeUpdate,
  decisionUpdate,
  firstTouchUpdate,
  reassignUpdate,
  repUnavailableSignal,
  stateQuery,
  wakeSignal,
  type CommandResult,
  type Decision,
  type FirstTouch,
  type LeadSnapshot,
  type LeadWorkflowInput,
  type UnassignedReason,
} from './messages';

// Each activity is one short, idempotent Postgres transaction, so they run as local activities: inside the
// workflow task, without a round trip through the server per step (a lead is routed in one workflow task).
// A crashed worker's task is retried on another worker, which re-runs them; idempotency makes that safe.
const acts = proxyLocalActivities<RoutingActivities & LifecycleActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: ['LeadNotFound'] },
});

/** A lead waiting for a rep looks again at least this often, even if no event wakes it. */
const RECHECK_MS = 10 * 60_000;

type Command =
  | { id: number; kind: 'touch'; touch: FirstTouch }
  | { id: number; kind: 'reassign'; repId?: string }
  | { id: number; kind: 'close'; reason: string }
  | { id: number; kind: 'repUnavailable'; repId: string };
type NewCommand = Command extends infer C ? (C extends Command ? Omit<C, 'id'> : never) : never;

const initialState = (): LeadSnapshot => ({
  status: 'ROUTING',
  repId: null,
  unassignedReason: null,
  attempt: 0,
  reassignments: 0,
  previousReps: [],
  sla: null,
  slaDueAt: null,
  repClock: null,
  escalationsDone: 0,
  breached: false,
  firstTouchAt: null,
  retryAt: null,
  assignedAt: null,
  routing: null,
});

/**
 * One lead, from arrival to close: route it with the active ruleset, assign a rep, wait for the first touch
 * or the SLA deadline, escalate step by step on a breach, and never drop it: with no eligible rep it waits
 * durably and routes again as soon as one may be eligible. Every message (first touch, reassign, close, a rep
 * going offline) is queued and carried out by the main loop, one at a time, so no two steps ever interleave.
 */
export async function leadWorkflow(input: LeadWorkflowInput): Promise<LeadSnapshot> {
  const { orgId, leadId } = input;
  const s: LeadSnapshot = input.resume ?? initialState();
  const queue: Command[] = [];
  const results = new Map<number, CommandResult>();
  let nextId = 0;
  let woken = false;

  const submit = async (c: NewCommand): Promise<CommandResult> => {
    const id = nextId++;
    queue.push({ ...c, id } as Command);
    await condition(() => results.has(id));
    const r = results.get(id)!;
    results.delete(id);
    return r;
  };

  setHandler(stateQuery, () => s);
  setHandler(decisionUpdate, async (): Promise<Decision> => {
    await condition(() => s.status !== 'ROUTING');
    const { status, repId, unassignedReason, sla, slaDueAt, assignedAt, routing } = s;
    return { status, repId, unassignedReason, sla, slaDueAt, assignedAt, routing };
  });
  setHandler(firstTouchUpdate, (touch) => submit({ kind: 'touch', touch }), {
    validator: (touch) => {
      if (s.status !== 'ASSIGNED') throw new Error(`the lead is ${s.status}, not waiting for a first touch`);
      if (touch.repId !== s.repId) throw new Error(`${touch.repId} is not the assigned rep`);
    },
  });
  setHandler(reassignUpdate, ({ repId }) => submit({ kind: 'reassign', repId }), {
    validator: ({ repId }) => {
      if (s.status === 'CLOSED' || s.status === 'ROUTING') throw new Error(`a ${s.status} lead cannot be reassigned`);
      if (repId && repId === s.repId) throw new Error(`the lead is already assigned to ${repId}`);
    },
  });
  setHandler(closeUpdate, ({ reason }) => submit({ kind: 'close', reason }), {
    validator: (_req) => {
      if (s.status === 'CLOSED') throw new Error('the lead is already closed');
    },
  });
  setHandler(wakeSignal, () => {
    woken = true;
  });
  setHandler(repUnavailableSignal, ({ repId }) => {
    queue.push({ id: nextId++, kind: 'repUnavailable', repId });
  });

  const tagSearchAttributes = () =>
    upsertSearchAttributes([
      { key: SA.leadStatus, value: s.status },
      { key: SA.repId, value: s.repId },
    ]);

  const waitingForRep = () => s.status === 'UNASSIGNED' && (s.unassignedReason === 'NO_ELIGIBLE_REP' || s.unassignedReason === 'NO_RULE_MATCHED');
  const escalations = () => (s.sla && s.slaDueAt !== null && s.repClock ? escalationSchedule(s.slaDueAt, s.sla, s.repClock) : []);

  /** Evaluates the active ruleset (pure core) and assigns a rep (one activity, one transaction). */
  async function route(
    reason: AssignReason,
    opts: { exclude?: string[]; repId?: string; onNoRep?: 'UNASSIGN' | 'KEEP'; ctx?: RoutingContext } = {},
  ): Promise<AssignResult> {
    const ctx = opts.ctx ?? (await acts.loadRoutingContext({ orgId, leadId }));
    let match: RuleMatch;
    if (opts.repId) {
      match = { rule_id: null, source: 'RULE', action: { strategy: 'DIRECT', rep_id: opts.repId }, sla: s.sla, trace: [] };
    } else if (ctx.ruleset) {
      match = matchRule(compileRuleset(ctx.ruleset.definition), ctx.lead);
    } else {
      match = { rule_id: null, source: 'NONE', action: null, sla: null, trace: [] };
    }
    s.attempt++;
    const result = await acts.assignLead({
      orgId,
      leadId,
      attempt: s.attempt,
      reason,
      now: Date.now(),
      action: match.action,
      match: { ruleset_id: ctx.ruleset?.id ?? null, ruleset_version: ctx.ruleset?.version ?? null, rule_id: match.rule_id, source: match.source, trace: match.trace },
      sla: match.sla,
      exclude: opts.exclude ?? [],
      onNoRep: opts.onNoRep ?? 'UNASSIGN',
      countsAsReassignment: reason === 'SLA_REASSIGN',
    });
    if (result.closed) {
      s.status = 'CLOSED';
      return result;
    }
    const routing = {
      ruleset_id: ctx.ruleset?.id ?? null,
      ruleset_version: ctx.ruleset?.version ?? null,
      rule_id: match.rule_id,
      strategy: match.action?.strategy ?? null,
      explanation: { rules: match.trace, source: match.source, stages: result.stages },
    };
    if (result.repId) {
      s.status = s.firstTouchAt !== null ? 'CONTACTED' : 'ASSIGNED';
      s.repId = result.repId;
      s.unassignedReason = null;
      if (!s.previousReps.includes(result.repId)) s.previousReps.push(result.repId);
      s.sla = match.sla;
      s.slaDueAt = result.slaDueAt;
      s.repClock = result.repClock;
      s.escalationsDone = 0;
      s.breached = false;
      s.retryAt = null;
      s.assignedAt = result.assignedAt;
      s.routing = routing;
    } else if (opts.onNoRep !== 'KEEP') {
      markUnassigned(result.unassignedReason ?? 'NO_ELIGIBLE_REP');
      s.retryAt = result.retryAt;
      s.routing = routing;
    }
    tagSearchAttributes();
    return result;
  }

  function markUnassigned(reason: UnassignedReason): void {
    s.status = 'UNASSIGNED';
    s.repId = null;
    s.unassignedReason = reason;
    s.slaDueAt = null;
    s.breached = false;
  }

  async function giveUp(reason: UnassignedReason): Promise<void> {
    s.attempt++;
    await acts.unassignLead({ orgId, leadId, attempt: s.attempt, reason, alert: true, at: Date.now() });
    markUnassigned(reason);
    tagSearchAttributes();
  }

  /** Reassignment for a missed SLA goes to a rep who has not had the lead, until max_reassignments. */
  async function slaReassign(): Promise<void> {
    if (s.reassignments >= (s.sla?.max_reassignments ?? 0)) return giveUp('MAX_REASSIGNMENTS');
    s.reassignments++;
    const result = await route('SLA_REASSIGN', { exclude: s.previousReps });
    if (!result.repId && !result.closed) {
      await acts.recordEvent({ orgId, leadId, type: 'ALERT', stepKey: `attempt:${s.attempt}:alert`, at: Date.now(), data: { reason: 'NO_ELIGIBLE_REP_FOR_REASSIGNMENT' } });
    }
  }

  async function escalate(step: number): Promise<void> {
    const e = escalations()[step]!;
    const key = `attempt:${s.attempt}:escalation:${step}`;
    s.escalationsDone = step + 1;
    switch (e.action) {
      case 'REMIND':
        return acts.recordEvent({ orgId, leadId, type: 'REMINDED', stepKey: key, at: Date.now(), repId: s.repId });
      case 'NOTIFY_MANAGER':
        return acts.recordEvent({ orgId, leadId, type: 'ESCALATED', stepKey: key, at: Date.now(), repId: s.repId });
      case 'REASSIGN':
        return slaReassign();
      case 'UNASSIGN':
        s.attempt++;
        await acts.unassignLead({ orgId, leadId, attempt: s.attempt, reason: 'ESCALATION_UNASSIGN', alert: false, at: Date.now() });
        markUnassigned('ESCALATION_UNASSIGN');
        tagSearchAttributes();
    }
  }

  async function execute(c: Command): Promise<CommandResult> {
    const reject = (reason: string): CommandResult => ({ accepted: false, reason, state: s });
    switch (c.kind) {
      case 'touch': {
        if (s.status !== 'ASSIGNED' || s.repId !== c.touch.repId) return reject(`the lead is ${s.status}${s.repId ? ` with ${s.repId}` : ''}`);
        const at = Date.now();
        await acts.recordFirstTouch({ orgId, leadId, repId: c.touch.repId, activityId: c.touch.activityId, occurredAt: c.touch.occurredAt, at });
        s.status = 'CONTACTED';
        s.firstTouchAt = at;
        s.slaDueAt = null;
        tagSearchAttributes();
        return { accepted: true, state: s };
      }
      case 'reassign': {
        if (s.status === 'CLOSED') return reject('the lead is closed');
        const result = await route('MANUAL_REASSIGN', { exclude: s.repId ? [s.repId] : [], repId: c.repId, onNoRep: 'KEEP' });
        if (!result.repId) {
          const why = result.stages.flatMap((st) => st.candidates.filter((x) => !x.eligible).map((x) => `${x.rep_id}: ${x.reason}`));
          return reject(`no eligible rep${why.length ? ` (${why.slice(0, 5).join(', ')})` : ''}`);
        }
        return { accepted: true, state: s };
      }
      case 'close': {
        if (s.status === 'CLOSED') return reject('the lead is already closed');
        await acts.closeLead({ orgId, leadId, reason: c.reason, at: Date.now() });
        s.status = 'CLOSED';
        s.slaDueAt = null;
        tagSearchAttributes();
        return { accepted: true, state: s };
      }
      case 'repUnavailable': {
        if (s.status !== 'ASSIGNED' || s.repId !== c.repId) return reject('not assigned to that rep any more');
        await route('REP_UNAVAILABLE', { exclude: [c.repId] });
        return { accepted: true, state: s };
      }
    }
  }

  /** The next moment something is due: the SLA deadline, an escalation step, or a waiting lead's re-check. */
  function nextDue(): number | null {
    if (s.status === 'ASSIGNED' && s.slaDueAt !== null) {
      if (!s.breached) return s.slaDueAt;
      const step = escalations()[s.escalationsDone];
      return step ? step.at : null;
    }
    if (waitingForRep()) return Math.min(s.retryAt ?? Infinity, Date.now() + RECHECK_MS);
    return null;
  }

  async function onDue(): Promise<void> {
    if (s.status === 'ASSIGNED' && s.slaDueAt !== null && !s.breached) {
      s.breached = true;
      await acts.recordEvent({ orgId, leadId, type: 'SLA_BREACHED', stepKey: `attempt:${s.attempt}:breach`, at: Date.now(), repId: s.repId, data: { sla_due_at: new Date(s.slaDueAt).toISOString() } });
      return;
    }
    if (s.status === 'ASSIGNED' && s.breached) return escalate(s.escalationsDone);
    if (waitingForRep()) await route('RETRY', { exclude: s.reassignments > 0 ? s.previousReps : [] });
  }

  if (!input.resume) {
    const ctx = await acts.loadRoutingContext({ orgId, leadId });
    if (ctx.recovered) {
      // A new run for a lead that was already routed (its previous run was terminated): carry on from the database.
      Object.assign(s, ctx.recovered);
      tagSearchAttributes();
    } else {
      tagSearchAttributes();
      await route('ROUTED', { ctx });
    }
  }

  const ready = () => queue.length > 0 || (woken && waitingForRep());
  while (s.status !== 'CLOSED') {
    if (workflowInfo().continueAsNewSuggested && queue.length === 0) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof leadWorkflow>({ orgId, leadId, resume: s });
    }
    const due = nextDue();
    if (!ready() && due !== null && due <= Date.now()) {
      await onDue();
      continue;
    }
    const signalled = due === null ? (await condition(ready), true) : await condition(ready, due - Date.now());
    if (queue.length) {
      const c = queue.shift()!;
      results.set(c.id, await execute(c));
    } else if (woken) {
      woken = false;
      if (waitingForRep()) await route('RETRY', { exclude: s.reassignments > 0 ? s.previousReps : [] });
    } else if (!signalled) {
      await onDue();
    }
  }
  // Commands that arrived while the lead was being closed get their answer too.
  for (const c of queue.splice(0)) results.set(c.id, { accepted: false, reason: 'the lead is closed', state: s });
  await condition(allHandlersFinished);
  return s;
}
