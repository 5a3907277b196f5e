import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { LeadActivities } from '../activities/lead';
import { afterRoute, begin, initialState, nextDue, onCommand, onDue, onWake, refusal, waitingForRep, type Command, type Effect, type LeadState, type Reply, type Step } from '../lead/machine';
import {
  closeUpdate,
  decisionUpdate,
  firstTouchUpdate,
  reassignUpdate,
  repUnavailableSignal,
  stateQuery,
  wakeSignal,
  type CommandReply,
  type LeadWorkflowInput,
} from '../lead/messages';
import { FAILURE } from '../lead/model';
import { SA } from '../lead/searchAttributes';

// Each activity is one short, idempotent Postgres transaction, so they run as local activities: inside the
// workflow task, without a round trip through the server per step (a lead is routed in one workflow task).
// A crashed worker's task is retried on another worker, which re-runs them; idempotency makes that safe.
const acts = proxyLocalActivities<LeadActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: [FAILURE.LEAD_NOT_FOUND] },
});

/**
 * One lead, from arrival to close. The process itself is the state machine in src/lead/machine.ts; this
 * function only wires messages to it, performs the effects it asks for, and waits until it is next due.
 * Commands are queued and carried out one at a time by the main loop, so no two steps ever interleave.
 */
export async function leadWorkflow(input: LeadWorkflowInput): Promise<LeadState> {
  const { orgId, leadId } = input;
  let state = input.resume ?? initialState();
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
    const why = refusal(state, command);
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
  setHandler(wakeSignal, () => {
    woken = true;
  });
  // A signal has nobody waiting for an answer: its queue entry carries no id, so no reply is kept for it.
  setHandler(repUnavailableSignal, ({ repId }) => {
    queue.push({ id: null, command: { kind: 'repUnavailable', repId } });
  });

  function perform(effect: Exclude<Effect, { type: 'route' }>): Promise<void> {
    const at = Date.now();
    switch (effect.type) {
      case 'record':
        return acts.recordEvent({ orgId, leadId, type: effect.event, stepKey: effect.stepKey, repId: effect.repId, data: effect.data, at });
      case 'unassign':
        return acts.unassignLead({ orgId, leadId, attempt: effect.attempt, reason: effect.reason, alert: effect.alert, at });
      case 'touch':
        return acts.recordFirstTouch({ orgId, leadId, ...effect.touch, at });
      case 'close':
        return acts.closeLead({ orgId, leadId, reason: effect.reason, at });
    }
  }

  /** Adopts the step's state, performs its effects (feeding routing outcomes back), and returns its reply. */
  async function run(step: Step): Promise<Reply | undefined> {
    const before = state;
    state = step.state;
    if (state.status !== before.status || state.repId !== before.repId) {
      upsertSearchAttributes([
        { key: SA.leadStatus, value: state.status },
        { key: SA.repId, value: state.repId },
      ]);
    }
    let reply = step.reply;
    for (const effect of step.effects) {
      if (effect.type !== 'route') {
        await perform(effect);
        continue;
      }
      const outcome = await acts.routeLead({ orgId, leadId, now: Date.now(), ...effect.request });
      reply = (await run(afterRoute(state, effect, outcome))) ?? reply;
    }
    return reply;
  }

  await run(begin(input.resume));
  const ready = () => queue.length > 0 || (woken && waitingForRep(state));
  while (state.status !== 'CLOSED') {
    if (workflowInfo().continueAsNewSuggested && queue.length === 0) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof leadWorkflow>({ orgId, leadId, resume: state });
    }
    const due = nextDue(state, Date.now());
    if (!ready() && due !== null && due <= Date.now()) {
      await run(onDue(state));
      continue;
    }
    const signalled = due === null ? (await condition(ready), true) : await condition(ready, due - Date.now());
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
  // Commands that arrived while the lead was being closed get their answer too.
  for (const { id } of queue.splice(0)) if (id !== null) replies.set(id, { accepted: false, reason: 'the lead is closed' });
  await condition(allHandlersFinished);
  return state;
}
