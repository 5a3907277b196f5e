import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { LeadActivities } from '../activities/lead';
import { afterRoute, begin, initialState, nextDue, onCommand, onDue, onWake, refusal, settled, waitingForRep, type Command, type Effect, type LeadState, type Reply, type Step } from '../lead/machine';
import {
  closeUpdate,
  decisionUpdate,
  firstTouchUpdate,
  reassignUpdate,
  repUnavailableSignal,
  rerouteUpdate,
  stateQuery,
  wakeSignal,
  type CommandReply,
  type LeadWorkflowInput,
} from '../lead/messages';
import { FAILURE } from '../lead/model';
import { SA } from '../lead/searchAttributes';
import { activitySummary, currentDetails, timerSummary } from '../lead/story';
import { versioning } from './versioning';

/** Changes to this workflow that running histories must not see (see the README's versioning policy). */
export const PATCHES = {
  /** The run ends once the lead is settled (touched, given up, closed); a later command starts a new run. */
  COMPLETE_WHEN_SETTLED: 'complete-when-settled',
  /** Search attributes for the SLA deadline, rule and unassigned reason, and current details in the Web UI. */
  UI_STORY: 'ui-story',
} as const;

const NON_RETRYABLE: string[] = [FAILURE.LEAD_NOT_FOUND];

// Each activity is one short, idempotent Postgres transaction, so they run as local activities: inside the
// workflow task, without a round trip through the server per step (a lead is routed in one workflow task).
// They are bounded to a few attempts, seconds in all: when Postgres does not answer, the same activity is
// scheduled as a regular one, which the server retries without growing the history, for as long as the
// outage lasts. (While a local activity runs, the workflow task heartbeats: three history events every eight
// seconds.) The bound is maximumAttempts: the SDK does not end a failing local activity at its
// scheduleToCloseTimeout (measured with 1.24: retries went on past it, 30 attempts in 30 s), so a lead of an
// earlier version heartbeated through a whole outage, 143 events for ten minutes.
const LOCAL: LocalActivityOptions = {
  startToCloseTimeout: '5 seconds',
  scheduleToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '2 seconds', maximumAttempts: 4, nonRetryableErrorTypes: NON_RETRYABLE },
};
const REGULAR: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE },
};

/** Runs activity `name`, locally first, with `summary` as its line in the Web UI. */
async function call<K extends keyof LeadActivities>(name: K, args: Parameters<LeadActivities[K]>[0], summary: string): Promise<Awaited<ReturnType<LeadActivities[K]>>> {
  type Fn = (a: typeof args) => Promise<Awaited<ReturnType<LeadActivities[K]>>>;
  try {
    return await (proxyLocalActivities<LeadActivities>({ ...LOCAL, summary })[name] as unknown as Fn)(args);
  } catch (err) {
    // A local activity that runs out of attempts fails with its last error: an ApplicationFailure as the
    // activity threw it, or an ActivityFailure (a timeout). Only a non-retryable one is final.
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const retryable = (err instanceof ActivityFailure || err instanceof ApplicationFailure) && !(cause instanceof ApplicationFailure && (cause.nonRetryable || NON_RETRYABLE.includes(cause.type ?? '')));
    if (!retryable) throw err;
    return (proxyActivities<LeadActivities>({ ...REGULAR, summary })[name] as unknown as Fn)(args);
  }
}

/** The search attributes that find a lead in the Web UI, from its state. */
function tags(s: LeadState) {
  return {
    status: s.status,
    repId: s.repId,
    ruleId: s.ruleId ?? null,
    unassignedReason: s.unassignedReason,
    slaDueAt: s.status === 'ASSIGNED' && s.sla && !s.breached ? s.sla.dueAt : null,
  };
}

/**
 * One lead, from arrival until it needs nothing more. The process itself is the state machine in
 * src/lead/machine.ts; this function only wires messages to it, performs the effects it asks for, and waits
 * until it is next due. Commands are queued and carried out one at a time by the main loop, so no two steps
 * ever interleave.
 */
export async function leadWorkflow(input: LeadWorkflowInput): Promise<LeadState> {
  const { orgId, leadId } = input;
  const completesWhenSettled = patched(PATCHES.COMPLETE_WHEN_SETTLED);
  const tellsStory = patched(PATCHES.UI_STORY);
  let state = input.resume ?? initialState();
  // A run started for a command on a lead routed long ago learns its state from the database first: until
  // then its validators let commands through, and the machine judges them once the state is known.
  let loaded = input.resume !== undefined;
  const queue: Array<{ id: number | null; command: Command }> = [];
  const replies = new Map<number, CommandReply>();
  let nextId = 0;
  let woken = false;

  const submit = async (command: Command): Promise<CommandReply> => {
    const id = nextId++;
    queue.push({ id, command });
    await condition(() => replies.has(id));
    const reply = replies.get(id)!;
    replies.delete(id);
    return reply;
  };
  const validate = (command: Command) => {
    const why = loaded ? refusal(state, command) : null;
    if (why) throw new Error(why);
  };

  setHandler(stateQuery, () => state);
  setHandler(decisionUpdate, async () => {
    await condition(() => state.status !== 'ROUTING');
    return { status: state.status };
  });
  setHandler(firstTouchUpdate, (touch) => submit({ kind: 'touch', touch }), { validator: (touch) => validate({ kind: 'touch', touch }) });
  setHandler(reassignUpdate, ({ repId }) => submit({ kind: 'reassign', repId }), { validator: ({ repId }) => validate({ kind: 'reassign', repId }) });
  setHandler(closeUpdate, ({ reason }) => submit({ kind: 'close', reason }), { validator: ({ reason }) => validate({ kind: 'close', reason }) });
  setHandler(rerouteUpdate, ({ keepIfSameRule }) => submit({ kind: 'reroute', keepIfSameRule }), { validator: ({ keepIfSameRule }) => validate({ kind: 'reroute', keepIfSameRule }) });
  setHandler(wakeSignal, () => {
    woken = true;
  });
  // A signal has nobody waiting for an answer: its queue entry carries no id, so no reply is kept for it.
  setHandler(repUnavailableSignal, ({ repId }) => {
    queue.push({ id: null, command: { kind: 'repUnavailable', repId } });
  });

  function perform(effect: Exclude<Effect, { type: 'route' }>, summary: string): Promise<void> {
    const at = Date.now();
    switch (effect.type) {
      case 'record':
        return call('recordEvent', { orgId, leadId, type: effect.event, stepKey: effect.stepKey, repId: effect.repId, data: effect.data, at }, summary);
      case 'unassign':
        return call('unassignLead', { orgId, leadId, attempt: effect.attempt, reason: effect.reason, alert: effect.alert, at }, summary);
      case 'touch':
        return call('recordFirstTouch', { orgId, leadId, ...effect.touch, at }, summary);
      case 'close':
        return call('closeLead', { orgId, leadId, reason: effect.reason, at }, summary);
    }
  }

  let tagged = JSON.stringify(tags(state));
  let detailed = '';
  /** Keeps what the Web UI shows (search attributes, current details) in step with the state. */
  function show(before: LeadState): void {
    if (!tellsStory) {
      // Runs begun before the story: only status and rep, as they were written then.
      if (state.status !== before.status || state.repId !== before.repId) upsertSearchAttributes([{ key: SA.leadStatus, value: state.status }, { key: SA.repId, value: state.repId }]);
      return;
    }
    const now = tags(state);
    if (JSON.stringify(now) !== tagged) {
      tagged = JSON.stringify(now);
      upsertSearchAttributes([
        { key: SA.leadStatus, value: now.status },
        { key: SA.repId, value: now.repId },
        { key: SA.ruleId, value: now.ruleId },
        { key: SA.unassignedReason, value: now.unassignedReason },
        { key: SA.slaDueAt, value: now.slaDueAt === null ? null : new Date(now.slaDueAt) },
      ]);
    }
    const details = currentDetails(state);
    if (details !== detailed) setCurrentDetails((detailed = details));
  }

  /** Adopts the step's state, performs its effects (feeding routing outcomes back), and returns its reply. */
  async function run(step: Step): Promise<Reply | undefined> {
    const asked = state;
    state = step.state;
    show(asked);
    let reply = step.reply;
    for (const effect of step.effects) {
      // Named from the state that asked for the effect: "Remind Alice", before the outcome is known.
      const summary = activitySummary(effect.type === 'route' ? state : asked, effect);
      if (effect.type !== 'route') {
        await perform(effect, summary);
        continue;
      }
      const outcome = await call('routeLead', { orgId, leadId, now: Date.now(), ...effect.request }, summary);
      reply = (await run(afterRoute(state, effect, outcome))) ?? reply;
    }
    return reply;
  }

  const finished = () => state.status === 'CLOSED' || (completesWhenSettled && settled(state));
  const ready = () => queue.length > 0 || (woken && waitingForRep(state));

  await run(begin(input.resume));
  loaded = true;
  for (;;) {
    while (!(finished() && queue.length === 0)) {
      if (workflowInfo().continueAsNewSuggested && queue.length === 0) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof leadWorkflow>({ orgId, leadId, resume: state });
      }
      const due = finished() ? null : nextDue(state, Date.now());
      if (!ready() && due !== null && due <= Date.now()) {
        await run(onDue(state));
        continue;
      }
      const signalled = due === null ? (await condition(ready), true) : await condition(ready, due - Date.now(), { summary: timerSummary(state, due) });
      if (queue.length) {
        const { id, command } = queue.shift()!;
        const reply = await run(onCommand(state, command));
        if (id !== null) replies.set(id, reply ?? { accepted: true });
      } else if (woken) {
        woken = false;
        await run(onWake(state));
      } else if (!signalled) {
        await run(onDue(state));
      }
    }
    // A command accepted just as the lead settled still gets carried out (or, when closed, refused) first.
    await condition(() => queue.length > 0 || allHandlersFinished());
    if (!queue.length) return state;
  }
}

// Long-lived (an SLA can run for days): with Worker Versioning a running lead moves to each new build, and
// every change to this file is replayed against test/replay and guarded with patched() when it needs to be.
versioning('AUTO_UPGRADE', leadWorkflow);
