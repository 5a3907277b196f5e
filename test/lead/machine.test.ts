import {
  afterRoute,
  begin,
  initialState,
  nextDue,
  onCommand,
  onDue,
  onWake,
  RECHECK_MS,
  refusal,
  settled,
  type Command,
  type Effect,
  type LeadState,
  type RouteOutcome,
  type SlaPlan,
  type Step,
} from '../../src/lead/machine';

/**
 * The lead's process with no Temporal and no Postgres: every state against every event, then the escalation
 * paths end to end through a tiny interpreter that plays the activities' part.
 */
const T = Date.UTC(2026, 0, 5, 9, 0);
const MIN = 60_000;
const PLAN: SlaPlan = {
  dueAt: T + 15 * MIN,
  steps: [
    { at: T + 15 * MIN, action: 'REMIND' },
    { at: T + 25 * MIN, action: 'NOTIFY_MANAGER' },
    { at: T + 35 * MIN, action: 'REASSIGN' },
  ],
  maxReassignments: 1,
};

const base = initialState();
const STATES: Record<string, LeadState> = {
  ROUTING: { ...base, attempt: 1 },
  ASSIGNED: { ...base, status: 'ASSIGNED', repId: 'rep_a', attempt: 1, previousReps: ['rep_a'], sla: PLAN },
  BREACHED: { ...base, status: 'ASSIGNED', repId: 'rep_a', attempt: 1, previousReps: ['rep_a'], sla: PLAN, breached: true, escalationsDone: 1 },
  CONTACTED: { ...base, status: 'CONTACTED', repId: 'rep_a', attempt: 1, previousReps: ['rep_a'], touched: true },
  WAITING: { ...base, status: 'UNASSIGNED', unassignedReason: 'NO_ELIGIBLE_REP', attempt: 1, retryAt: T + 60 * MIN },
  NO_RULE: { ...base, status: 'UNASSIGNED', unassignedReason: 'NO_RULE_MATCHED', attempt: 1 },
  GIVEN_UP: { ...base, status: 'UNASSIGNED', unassignedReason: 'MAX_REASSIGNMENTS', attempt: 3, previousReps: ['rep_a', 'rep_b'], reassignments: 1 },
  CLOSED: { ...base, status: 'CLOSED', repId: 'rep_a', attempt: 1 },
};
type Name = keyof typeof STATES;
const NAMES = Object.keys(STATES) as Name[];

const touch = (repId = 'rep_a'): Command => ({ kind: 'touch', touch: { activityId: 'act_1', repId, occurredAt: new Date(T).toISOString() } });
const effectTypes = (s: Step) => s.effects.map((e) => (e.type === 'route' ? `route:${e.request.reason}` : e.type === 'record' ? `record:${e.event}` : e.type));

describe('a new run', () => {
  it('routes a fresh lead: attempt 1, reason ROUTED, nobody excluded', () => {
    const step = begin();
    expect(step.state).toMatchObject({ status: 'ROUTING', attempt: 1 });
    expect(step.effects).toEqual([{ type: 'route', request: { attempt: 1, reason: 'ROUTED', exclude: [], onNoRep: 'UNASSIGN' }, then: 'ROUTE' }]);
  });
  it('carries on a continued-as-new run exactly where it was, doing nothing', () => {
    expect(begin(STATES.BREACHED)).toEqual({ state: STATES.BREACHED, effects: [] });
  });
});

describe('commands in every state', () => {
  // [state, command, reply accepted?, effects, new status]
  const table: Array<[Name, string, Command, boolean | undefined, string[], string]> = [];
  for (const name of NAMES) {
    const s = STATES[name]!;
    const assigned = s.status === 'ASSIGNED';
    table.push([name, 'touch by the assigned rep', touch(), assigned, assigned ? ['touch'] : [], assigned ? 'CONTACTED' : s.status]);
    table.push([name, 'touch by another rep', touch('rep_z'), false, [], s.status]);
    table.push([name, 'close', { kind: 'close', reason: 'spam' }, name !== 'CLOSED', name === 'CLOSED' ? [] : ['close'], 'CLOSED']);
    table.push([name, 'reassign', { kind: 'reassign' }, name === 'CLOSED' ? false : undefined, name === 'CLOSED' ? [] : ['route:MANUAL_REASSIGN'], s.status]);
    table.push([name, 'rep goes offline', { kind: 'repUnavailable', repId: 'rep_a' }, assigned ? undefined : false, assigned ? ['route:REP_UNAVAILABLE'] : [], s.status]);
    table.push([name, 'reroute', { kind: 'reroute', keepIfSameRule: false }, name === 'CLOSED' ? false : undefined, name === 'CLOSED' ? [] : ['route:REROUTE'], s.status]);
  }
  it.each(table)('%s + %s', (name, _what, command, accepted, effects, status) => {
    const step = onCommand(STATES[name]!, command);
    expect(effectTypes(step)).toEqual(effects);
    expect(step.reply?.accepted).toBe(accepted);
    expect(step.state.status).toBe(status);
    if (accepted === false) expect(step.reply!.reason).toEqual(expect.any(String));
  });

  it('a reassignment by hand asks for anybody but the current rep, and keeps the lead if nobody is eligible', () => {
    const step = onCommand(STATES.ASSIGNED!, { kind: 'reassign' });
    expect(step.effects[0]).toEqual({ type: 'route', request: { attempt: 2, reason: 'MANUAL_REASSIGN', exclude: ['rep_a'], onNoRep: 'KEEP' }, then: 'REPLY' });
    const toRep = onCommand(STATES.ASSIGNED!, { kind: 'reassign', repId: 'rep_b' });
    expect(toRep.effects[0]).toMatchObject({ request: { repId: 'rep_b' } });
  });

  it('a re-route asks again from scratch: a waiting lead takes what it finds, an assigned one keeps its rep when nobody is eligible', () => {
    const waiting = onCommand(STATES.GIVEN_UP!, { kind: 'reroute', keepIfSameRule: true });
    expect(waiting.effects[0]).toEqual({ type: 'route', request: { attempt: 4, reason: 'REROUTE', exclude: [], onNoRep: 'UNASSIGN' }, then: 'REPLY' });
    const assigned = onCommand(STATES.ASSIGNED!, { kind: 'reroute', keepIfSameRule: true });
    expect(assigned.effects[0]).toEqual({ type: 'route', request: { attempt: 2, reason: 'REROUTE', exclude: [], onNoRep: 'KEEP', keepIfSameRule: true }, then: 'REPLY' });
    const kept = afterRoute(assigned.state, assigned.effects[0] as Extract<Effect, { type: 'route' }>, { kind: 'kept', why: 'rule us still matches' });
    expect(kept.state).toMatchObject({ status: 'ASSIGNED', repId: 'rep_a', sla: PLAN });
    expect(kept.reply).toEqual({ accepted: true, reason: 'rule us still matches' });
  });

  it('a first touch stops the SLA clock', () => {
    const step = onCommand(STATES.BREACHED!, touch());
    expect(step.state).toMatchObject({ status: 'CONTACTED', touched: true, sla: null });
    expect(nextDue(step.state, T)).toBeNull();
  });
});

describe('validators (updates refused before they are queued)', () => {
  const cases: Array<[Name, Command, RegExp | null]> = [
    ['ROUTING', touch(), /not waiting for a first touch/],
    ['ASSIGNED', touch(), null],
    ['ASSIGNED', touch('rep_z'), /not the assigned rep/],
    ['CONTACTED', touch(), /CONTACTED/],
    ['ROUTING', { kind: 'reassign' }, /ROUTING lead cannot be reassigned/],
    ['CLOSED', { kind: 'reassign' }, /CLOSED lead cannot be reassigned/],
    ['ASSIGNED', { kind: 'reassign', repId: 'rep_a' }, /already assigned/],
    ['ASSIGNED', { kind: 'reassign', repId: 'rep_b' }, null],
    ['WAITING', { kind: 'reassign' }, null],
    ['CLOSED', { kind: 'close', reason: 'x' }, /already closed/],
    ['GIVEN_UP', { kind: 'close', reason: 'x' }, null],
    ['CONTACTED', { kind: 'repUnavailable', repId: 'rep_a' }, null],
    ['CLOSED', { kind: 'reroute', keepIfSameRule: false }, /closed/],
    ['CONTACTED', { kind: 'reroute', keepIfSameRule: false }, null],
  ];
  it.each(cases)('%s: %j', (name, command, problem) => {
    const why = refusal(STATES[name]!, command);
    if (problem) expect(why).toMatch(problem);
    else expect(why).toBeNull();
  });
});

describe('wake-ups and timers in every state', () => {
  const due: Record<Name, [string[], Partial<LeadState>]> = {
    ROUTING: [[], { status: 'ROUTING' }],
    ASSIGNED: [['record:SLA_BREACHED'], { breached: true, escalationsDone: 0 }],
    BREACHED: [['record:ESCALATED'], { escalationsDone: 2 }],
    CONTACTED: [[], { status: 'CONTACTED' }],
    WAITING: [['route:RETRY'], { attempt: 2 }],
    NO_RULE: [['route:RETRY'], { attempt: 2 }],
    GIVEN_UP: [[], { status: 'UNASSIGNED' }],
    CLOSED: [[], { status: 'CLOSED' }],
  };
  it.each(NAMES)('%s: due', (name) => {
    const step = onDue(STATES[name]!);
    expect(effectTypes(step)).toEqual(due[name][0]);
    expect(step.state).toMatchObject(due[name][1]);
  });

  it.each(NAMES)('%s: woken', (name) => {
    const step = onWake(STATES[name]!);
    const waiting = name === 'WAITING' || name === 'NO_RULE';
    expect(effectTypes(step)).toEqual(waiting ? ['route:RETRY'] : []);
  });

  const next: Record<Name, number | null> = {
    ROUTING: null,
    ASSIGNED: PLAN.dueAt,
    BREACHED: PLAN.steps[1]!.at,
    CONTACTED: null,
    WAITING: T + 10 * MIN, // the periodic re-check comes before the retryAt an hour away
    NO_RULE: T + RECHECK_MS,
    GIVEN_UP: null,
    CLOSED: null,
  };
  it.each(NAMES)('%s: next due', (name) => {
    expect(nextDue(STATES[name]!, T)).toBe(next[name]);
  });

  it('a waiting lead wakes at retryAt when that comes first (working hours begin)', () => {
    expect(nextDue({ ...STATES.WAITING!, retryAt: T + MIN }, T)).toBe(T + MIN);
  });

  it('a retry after an SLA reassignment excludes everybody who had the lead', () => {
    const s: LeadState = { ...STATES.WAITING!, reassignments: 1, previousReps: ['rep_a', 'rep_b'] };
    expect(onWake(s).effects[0]).toMatchObject({ request: { reason: 'RETRY', exclude: ['rep_a', 'rep_b'] } });
  });

  it('the breach event carries the deadline and is keyed by the attempt', () => {
    expect(onDue(STATES.ASSIGNED!).effects[0]).toEqual({ type: 'record', event: 'SLA_BREACHED', stepKey: 'attempt:1:breach', repId: 'rep_a', data: { sla_due_at: new Date(PLAN.dueAt).toISOString() } });
  });
});

describe('routing outcomes', () => {
  const routeEffect = (then: 'ROUTE' | 'REPLY' | 'SLA_REASSIGN', onNoRep: 'UNASSIGN' | 'KEEP' = 'UNASSIGN'): Extract<Effect, { type: 'route' }> => ({
    type: 'route',
    request: { attempt: 2, reason: 'RETRY', exclude: [], onNoRep },
    then,
  });
  const assigned: RouteOutcome = { kind: 'assigned', repId: 'rep_b', sla: PLAN };
  const nobody: RouteOutcome = { kind: 'unassigned', reason: 'NO_ELIGIBLE_REP', retryAt: T + 5 * MIN, why: ' (rep_c: AWAY)' };

  it('assigned: the rep holds it with a fresh SLA, and joins the reps who had it', () => {
    const step = afterRoute(STATES.BREACHED!, routeEffect('ROUTE'), assigned);
    expect(step.state).toMatchObject({ status: 'ASSIGNED', repId: 'rep_b', previousReps: ['rep_a', 'rep_b'], breached: false, escalationsDone: 0, sla: PLAN, retryAt: null });
    expect(step.effects).toEqual([]);
  });
  it('assigned after a first touch stays CONTACTED', () => {
    expect(afterRoute(STATES.CONTACTED!, routeEffect('REPLY'), { kind: 'assigned', repId: 'rep_b', sla: null }).state.status).toBe('CONTACTED');
  });
  it('assigned, answering a command: accepted', () => {
    expect(afterRoute(STATES.ASSIGNED!, routeEffect('REPLY'), assigned).reply).toEqual({ accepted: true });
  });
  it('nobody eligible: the lead waits, with when to look again', () => {
    const step = afterRoute(STATES.ASSIGNED!, routeEffect('ROUTE'), nobody);
    expect(step.state).toMatchObject({ status: 'UNASSIGNED', unassignedReason: 'NO_ELIGIBLE_REP', repId: null, retryAt: T + 5 * MIN, sla: null });
  });
  it('nobody eligible for a reassignment by hand: the lead stays, and the answer says who was skipped', () => {
    const step = afterRoute(STATES.ASSIGNED!, routeEffect('REPLY', 'KEEP'), nobody);
    expect(step.state).toBe(STATES.ASSIGNED);
    expect(step.reply).toEqual({ accepted: false, reason: 'no eligible rep (rep_c: AWAY)' });
  });
  it('nobody eligible for an SLA reassignment: the lead waits and a human is alerted', () => {
    const step = afterRoute(STATES.BREACHED!, routeEffect('SLA_REASSIGN'), nobody);
    expect(step.state.status).toBe('UNASSIGNED');
    expect(step.effects).toEqual([{ type: 'record', event: 'ALERT', stepKey: 'attempt:1:alert', repId: null, data: { reason: 'NO_ELIGIBLE_REP_FOR_REASSIGNMENT' } }]);
  });
  it('closed meanwhile: CLOSED, and a command is told so', () => {
    const step = afterRoute(STATES.ASSIGNED!, routeEffect('REPLY'), { kind: 'closed' });
    expect(step.state.status).toBe('CLOSED');
    expect(step.reply).toEqual({ accepted: false, reason: 'the lead is closed' });
  });
  it('recovered: a new run adopts what the database says', () => {
    expect(afterRoute(STATES.ROUTING!, routeEffect('ROUTE'), { kind: 'recovered', state: STATES.BREACHED! }).state).toBe(STATES.BREACHED);
  });
});

/** Plays the activities' part: each route effect is answered from `outcomes`, in order. */
function play(s: LeadState, step: Step, outcomes: RouteOutcome[], log: string[]): LeadState {
  let state = step.state;
  for (const e of step.effects) {
    log.push(e.type === 'route' ? `route ${e.request.reason} attempt ${e.request.attempt} excluding [${e.request.exclude}]` : e.type === 'record' ? `${e.event} ${e.stepKey}` : `${e.type}${e.type === 'unassign' ? ` ${e.reason} alert=${e.alert}` : ''}`);
    if (e.type === 'route') state = play(state, afterRoute(state, e, outcomes.shift()!), outcomes, log);
  }
  return state ?? s;
}

describe('escalation paths, end to end', () => {
  /** Runs the lead through its timers until nothing is due, as the workflow's loop does. */
  function runTimers(start: LeadState, outcomes: RouteOutcome[]): { state: LeadState; log: string[] } {
    const log: string[] = [];
    let s = start;
    for (let i = 0; i < 20; i++) {
      const due = nextDue(s, T);
      if (due === null) break;
      log.push(`@${(due - T) / MIN}m`);
      s = play(s, onDue(s), outcomes, log);
    }
    return { state: s, log };
  }

  it('breach → remind → notify the manager → reassign to a new rep → breach again → give up at max_reassignments', () => {
    const { state, log } = runTimers(STATES.ASSIGNED!, [{ kind: 'assigned', repId: 'rep_b', sla: PLAN }]);
    expect(log).toEqual([
      '@15m',
      'SLA_BREACHED attempt:1:breach',
      '@15m',
      'REMINDED attempt:1:escalation:0',
      '@25m',
      'ESCALATED attempt:1:escalation:1',
      '@35m',
      'route SLA_REASSIGN attempt 2 excluding [rep_a]',
      '@15m',
      'SLA_BREACHED attempt:2:breach',
      '@15m',
      'REMINDED attempt:2:escalation:0',
      '@25m',
      'ESCALATED attempt:2:escalation:1',
      '@35m',
      'unassign MAX_REASSIGNMENTS alert=true',
    ]);
    expect(state).toMatchObject({ status: 'UNASSIGNED', unassignedReason: 'MAX_REASSIGNMENTS', reassignments: 1, previousReps: ['rep_a', 'rep_b'], attempt: 3 });
  });

  it('an UNASSIGN step takes the lead off its rep without an alert, and nothing else is due', () => {
    const plan: SlaPlan = { dueAt: T, steps: [{ at: T, action: 'UNASSIGN' }], maxReassignments: 0 };
    const { state, log } = runTimers({ ...STATES.ASSIGNED!, sla: plan }, []);
    expect(log).toEqual(['@0m', 'SLA_BREACHED attempt:1:breach', '@0m', 'unassign ESCALATION_UNASSIGN alert=false']);
    expect(state).toMatchObject({ status: 'UNASSIGNED', unassignedReason: 'ESCALATION_UNASSIGN' });
  });

  it('a REASSIGN with max_reassignments 0 gives up at once', () => {
    const plan: SlaPlan = { dueAt: T, steps: [{ at: T, action: 'REASSIGN' }], maxReassignments: 0 };
    expect(runTimers({ ...STATES.ASSIGNED!, sla: plan }, []).log).toEqual(['@0m', 'SLA_BREACHED attempt:1:breach', '@0m', 'unassign MAX_REASSIGNMENTS alert=true']);
  });
});

describe('settled: nothing more will happen unless someone asks', () => {
  const expected: Record<Name, boolean> = { ROUTING: false, ASSIGNED: false, BREACHED: false, CONTACTED: true, WAITING: false, NO_RULE: false, GIVEN_UP: true, CLOSED: true };
  it.each(NAMES)('%s', (name) => {
    expect(settled(STATES[name]!)).toBe(expected[name]);
    // A settled lead has nothing due, so its workflow can end without missing a timer.
    if (expected[name]) expect(nextDue(STATES[name]!, T)).toBeNull();
  });
});
