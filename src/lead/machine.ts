import type { SlaPlan } from '../routing/sla';
import type { FirstTouch } from './messages';
import type { AssignReason, LeadStatus, UnassignedReason } from './model';

/**
 * A lead's life as a pure state machine: (state, event) → (new state, effects to perform, reply). It knows
 * nothing of Temporal or Postgres and never reads a clock (time comes in as an argument), so every transition
 * is unit-tested alone. The lead workflow interprets it: it performs the effects with activities, feeds a
 * routing outcome back with afterRoute, and waits until nextDue.
 *
 *   ROUTING ──route──► ASSIGNED ──first touch──► CONTACTED
 *      │                  │  ▲                       │
 *      │        deadline: breach, then escalate      │ (reassign by hand)
 *      ▼                  ▼  │ REASSIGN              ▼
 *   UNASSIGNED ◄── no eligible rep / give up / UNASSIGN   any state ──close──► CLOSED
 *      └── a rep may now be eligible (wake, timer) ──► route again
 */

export type { SlaPlan };

export interface LeadState {
  status: LeadStatus;
  repId: string | null;
  unassignedReason: UnassignedReason | null;
  /** Routing attempts so far; each attempt's writes are keyed by it, so a retried activity writes nothing twice. */
  attempt: number;
  /** SLA-driven reassignments so far, against maxReassignments. */
  reassignments: number;
  /** Every rep who has held the lead: an SLA reassignment never returns it to them. */
  previousReps: string[];
  sla: SlaPlan | null;
  breached: boolean;
  /** Escalation steps of the current assignment already carried out. */
  escalationsDone: number;
  touched: boolean;
  /** While waiting for a rep: when the passage of time alone may make one eligible. */
  retryAt: number | null;
  /** For people reading the workflow in the Web UI: the rep's name and the rule that routed the lead. */
  repName?: string | null;
  ruleId?: string | null;
}

export type Command =
  | { kind: 'touch'; touch: FirstTouch }
  | { kind: 'reassign'; repId?: string }
  | { kind: 'close'; reason: string }
  | { kind: 'repUnavailable'; repId: string }
  /** The lead's data changed: route it again. `keepIfSameRule`: an assigned lead stays put while the same rule matches. */
  | { kind: 'reroute'; keepIfSameRule: boolean };

export interface RouteRequest {
  attempt: number;
  reason: AssignReason;
  /** Reps who may not get the lead this time. */
  exclude: string[];
  /** A reassignment by hand to this rep. */
  repId?: string;
  /** When nobody is eligible: UNASSIGN leaves the lead waiting; KEEP leaves it with its current rep. */
  onNoRep: 'UNASSIGN' | 'KEEP';
  /** A re-route of an assigned lead that leaves it with its rep when the rule that matches has not changed. */
  keepIfSameRule?: boolean;
}

/** What the routing activity reports back. */
export type RouteOutcome =
  | { kind: 'assigned'; repId: string; sla: SlaPlan | null; repName?: string; ruleId?: string | null }
  | { kind: 'unassigned'; reason: UnassignedReason; retryAt: number | null; why: string; ruleId?: string | null }
  | { kind: 'closed' }
  /** A re-route left the lead with its rep (the same rule matched, or the same rep was chosen). */
  | { kind: 'kept'; why: string }
  /** The lead was routed by an earlier run of its workflow: carry on from what the database says. */
  | { kind: 'recovered'; state: LeadState };

export type RecordedEvent = 'SLA_BREACHED' | 'REMINDED' | 'ESCALATED' | 'ALERT';

export type Effect =
  /** `then` says what the outcome means: a plain routing, the answer to a command, or an SLA reassignment. */
  | { type: 'route'; request: RouteRequest; then: 'ROUTE' | 'REPLY' | 'SLA_REASSIGN' }
  | { type: 'record'; event: RecordedEvent; stepKey: string; repId: string | null; data: Record<string, unknown> }
  | { type: 'unassign'; attempt: number; reason: UnassignedReason; alert: boolean }
  | { type: 'touch'; touch: FirstTouch }
  | { type: 'close'; reason: string };

export interface Reply {
  accepted: boolean;
  reason?: string;
}

export interface Step {
  state: LeadState;
  effects: Effect[];
  /** The answer to the command that caused this step, once its effects are done. */
  reply?: Reply;
}

/** A lead waiting for a rep looks again at least this often, even if nothing wakes it. */
export const RECHECK_MS = 10 * 60_000;

export const initialState = (): LeadState => ({
  status: 'ROUTING',
  repId: null,
  unassignedReason: null,
  attempt: 0,
  reassignments: 0,
  previousReps: [],
  sla: null,
  breached: false,
  escalationsDone: 0,
  touched: false,
  retryAt: null,
});

const stay = (state: LeadState, reply?: Reply): Step => ({ state, effects: [], ...(reply ? { reply } : {}) });
const refuse = (state: LeadState, reason: string): Step => stay(state, { accepted: false, reason });

export const waitingForRep = (s: LeadState): boolean =>
  s.status === 'UNASSIGNED' && (s.unassignedReason === 'NO_ELIGIBLE_REP' || s.unassignedReason === 'NO_RULE_MATCHED');

interface RouteOptions {
  exclude?: string[];
  repId?: string;
  onNoRep?: 'UNASSIGN' | 'KEEP';
  then?: 'ROUTE' | 'REPLY' | 'SLA_REASSIGN';
  keepIfSameRule?: boolean;
}

function route(s: LeadState, reason: AssignReason, opts: RouteOptions = {}): Step {
  const state = { ...s, attempt: s.attempt + 1 };
  const request: RouteRequest = {
    attempt: state.attempt,
    reason,
    exclude: opts.exclude ?? [],
    onNoRep: opts.onNoRep ?? 'UNASSIGN',
    ...(opts.repId ? { repId: opts.repId } : {}),
    ...(opts.keepIfSameRule ? { keepIfSameRule: true } : {}),
  };
  return { state, effects: [{ type: 'route', request, then: opts.then ?? 'ROUTE' }] };
}

const retry = (s: LeadState): Step => route(s, 'RETRY', { exclude: s.reassignments > 0 ? s.previousReps : [] });

function unassigned(s: LeadState, reason: UnassignedReason, retryAt: number | null): LeadState {
  return { ...s, status: 'UNASSIGNED', repId: null, repName: null, unassignedReason: reason, sla: null, breached: false, retryAt };
}

/** A new run: carry on from continue-as-new, or route the lead for the first time. */
export function begin(resume?: LeadState): Step {
  return resume ? stay(resume) : route(initialState(), 'ROUTED');
}

/** A routing outcome arrives for the `route` effect that asked for it. */
export function afterRoute(s: LeadState, effect: Extract<Effect, { type: 'route' }>, outcome: RouteOutcome): Step {
  const replying = effect.then === 'REPLY';
  switch (outcome.kind) {
    case 'recovered':
      return stay(outcome.state);
    case 'closed':
      return stay({ ...s, status: 'CLOSED', sla: null }, replying ? { accepted: false, reason: 'the lead is closed' } : undefined);
    case 'kept':
      return stay(s, replying ? { accepted: true, reason: outcome.why } : undefined);
    case 'assigned': {
      const state: LeadState = {
        ...s,
        status: s.touched ? 'CONTACTED' : 'ASSIGNED',
        repId: outcome.repId,
        repName: outcome.repName ?? null,
        ruleId: outcome.ruleId === undefined ? s.ruleId : outcome.ruleId,
        unassignedReason: null,
        previousReps: s.previousReps.includes(outcome.repId) ? s.previousReps : [...s.previousReps, outcome.repId],
        sla: outcome.sla,
        breached: false,
        escalationsDone: 0,
        retryAt: null,
      };
      return stay(state, replying ? { accepted: true } : undefined);
    }
    case 'unassigned': {
      if (effect.request.onNoRep === 'KEEP') return replying ? refuse(s, `no eligible rep${outcome.why}`) : stay(s);
      const state = { ...unassigned(s, outcome.reason, outcome.retryAt), ...(outcome.ruleId !== undefined ? { ruleId: outcome.ruleId } : {}) };
      if (effect.then !== 'SLA_REASSIGN') return stay(state);
      // Nobody left to take over a missed SLA: a human has to look at it.
      const alert: Effect = { type: 'record', event: 'ALERT', stepKey: `attempt:${s.attempt}:alert`, repId: null, data: { reason: 'NO_ELIGIBLE_REP_FOR_REASSIGNMENT' } };
      return { state, effects: [alert] };
    }
  }
}

/** Why an update would be refused now (its validator's answer), or null. Signals are not validated. */
export function refusal(s: LeadState, c: Command): string | null {
  switch (c.kind) {
    case 'touch':
      if (s.status !== 'ASSIGNED') return `the lead is ${s.status}, not waiting for a first touch`;
      return c.touch.repId === s.repId ? null : `${c.touch.repId} is not the assigned rep`;
    case 'reassign':
      if (s.status === 'CLOSED' || s.status === 'ROUTING') return `a ${s.status} lead cannot be reassigned`;
      return c.repId && c.repId === s.repId ? `the lead is already assigned to ${c.repId}` : null;
    case 'close':
      return s.status === 'CLOSED' ? 'the lead is already closed' : null;
    case 'repUnavailable':
      return null;
    case 'reroute':
      return s.status === 'CLOSED' ? 'the lead is closed' : null;
  }
}

/** A command, carried out in turn (the state may have moved on since it was validated). */
export function onCommand(s: LeadState, c: Command): Step {
  switch (c.kind) {
    case 'touch':
      if (s.status !== 'ASSIGNED' || s.repId !== c.touch.repId) return refuse(s, `the lead is ${s.status}${s.repId ? ` with ${s.repId}` : ''}`);
      return { state: { ...s, status: 'CONTACTED', touched: true, sla: null }, effects: [{ type: 'touch', touch: c.touch }], reply: { accepted: true } };
    case 'reassign':
      if (s.status === 'CLOSED') return refuse(s, 'the lead is closed');
      return route(s, 'MANUAL_REASSIGN', { exclude: s.repId ? [s.repId] : [], repId: c.repId, onNoRep: 'KEEP', then: 'REPLY' });
    case 'close':
      if (s.status === 'CLOSED') return refuse(s, 'the lead is already closed');
      return { state: { ...s, status: 'CLOSED', sla: null, retryAt: null }, effects: [{ type: 'close', reason: c.reason }], reply: { accepted: true } };
    case 'repUnavailable':
      if (s.status !== 'ASSIGNED' || s.repId !== c.repId) return refuse(s, 'not assigned to that rep any more');
      return route(s, 'REP_UNAVAILABLE', { exclude: [c.repId] });
    case 'reroute':
      return reroute(s, c.keepIfSameRule);
  }
}

/**
 * Routes the lead again on its new data, from scratch: nobody is excluded. A lead waiting for a rep (or still
 * routing) takes whatever the rules now say; an assigned lead moves only to a rep who is eligible, and
 * otherwise stays where it is.
 */
function reroute(s: LeadState, keepIfSameRule: boolean): Step {
  if (s.status === 'CLOSED') return refuse(s, 'the lead is closed');
  if (s.status === 'UNASSIGNED' || s.status === 'ROUTING') return route(s, 'REROUTE', { then: 'REPLY' });
  return route(s, 'REROUTE', { then: 'REPLY', onNoRep: 'KEEP', keepIfSameRule });
}

/** Something changed that may make a rep eligible: a waiting lead routes again; others ignore it. */
export function onWake(s: LeadState): Step {
  return waitingForRep(s) ? retry(s) : stay(s);
}

/**
 * Nothing more will happen to the lead unless someone asks: closed, touched, or given up (not waiting for a
 * rep, no SLA pending). Its workflow may end; a later command starts a new run, which reads this state back.
 */
export function settled(s: LeadState): boolean {
  return s.status === 'CLOSED' || s.status === 'CONTACTED' || (s.status === 'UNASSIGNED' && !waitingForRep(s));
}

/** The next moment something is due: the SLA deadline, an escalation step, or a waiting lead's re-check. */
export function nextDue(s: LeadState, now: number): number | null {
  if (s.status === 'ASSIGNED' && s.sla) {
    if (!s.breached) return s.sla.dueAt;
    return s.sla.steps[s.escalationsDone]?.at ?? null;
  }
  if (waitingForRep(s)) return Math.min(s.retryAt ?? Infinity, now + RECHECK_MS);
  return null;
}

/** The moment nextDue named has come. */
export function onDue(s: LeadState): Step {
  if (s.status === 'ASSIGNED' && s.sla && !s.breached) {
    const breach: Effect = { type: 'record', event: 'SLA_BREACHED', stepKey: `attempt:${s.attempt}:breach`, repId: s.repId, data: { sla_due_at: new Date(s.sla.dueAt).toISOString() } };
    return { state: { ...s, breached: true }, effects: [breach] };
  }
  if (s.status === 'ASSIGNED' && s.sla) return escalate(s, s.sla);
  return waitingForRep(s) ? retry(s) : stay(s);
}

function escalate(s: LeadState, sla: SlaPlan): Step {
  const step = sla.steps[s.escalationsDone];
  if (!step) return stay(s);
  const stepKey = `attempt:${s.attempt}:escalation:${s.escalationsDone}`;
  const next = { ...s, escalationsDone: s.escalationsDone + 1 };
  switch (step.action) {
    case 'REMIND':
      return { state: next, effects: [{ type: 'record', event: 'REMINDED', stepKey, repId: s.repId, data: {} }] };
    case 'NOTIFY_MANAGER':
      return { state: next, effects: [{ type: 'record', event: 'ESCALATED', stepKey, repId: s.repId, data: {} }] };
    case 'REASSIGN':
      // A missed SLA goes to a rep who has not had the lead, until max_reassignments; then routing gives up.
      if (next.reassignments >= sla.maxReassignments) return giveUp(next, 'MAX_REASSIGNMENTS', true);
      return route({ ...next, reassignments: next.reassignments + 1 }, 'SLA_REASSIGN', { exclude: next.previousReps, then: 'SLA_REASSIGN' });
    case 'UNASSIGN':
      return giveUp(next, 'ESCALATION_UNASSIGN', false);
  }
}

/** Takes the lead off its rep; with `alert`, a human is told that routing gave up. */
function giveUp(s: LeadState, reason: UnassignedReason, alert: boolean): Step {
  const attempt = s.attempt + 1;
  return { state: unassigned({ ...s, attempt }, reason, null), effects: [{ type: 'unassign', attempt, reason, alert }] };
}
