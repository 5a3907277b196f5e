import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowStartOptions,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { leadWorkflow } from '../workflows/lead';
import { decisionUpdate, type CommandReply } from '../lead/messages';
import { workflowIdFor } from '../lead/model';
import { SA } from '../lead/searchAttributes';
import type { Temporal } from './client';
import { isDeadlineExceeded } from './errors';

/**
 * Starting and talking to lead workflows. Starts are idempotent: one workflow id per lead, an existing run
 * is reused, and a new run is allowed only if the previous one failed or was terminated.
 */
const START_DEADLINE_MS = 5_000;

export function leadStartOptions(taskQueue: string, orgId: string, leadId: string): WorkflowStartOptions<typeof leadWorkflow> & {
  workflowIdConflictPolicy: 'USE_EXISTING';
} {
  return {
    taskQueue,
    workflowId: workflowIdFor(leadId),
    args: [{ orgId, leadId }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    typedSearchAttributes: [
      { key: SA.orgId, value: orgId },
      { key: SA.leadId, value: leadId },
      { key: SA.leadStatus, value: 'ROUTING' },
    ],
  };
}

export async function ensureLeadWorkflow(temporal: Temporal, orgId: string, leadId: string): Promise<void> {
  await temporal.client.workflow.start<typeof leadWorkflow>('leadWorkflow', leadStartOptions(temporal.taskQueue, orgId, leadId));
}

/**
 * Starts the lead's workflow (or finds it running) and waits up to `waitMs` for its routing decision, in one
 * round trip: update-with-start. False when the decision takes longer; the lead goes on routing regardless.
 * The decision itself is read from the database, which has it in full (the workflow keeps only what it needs).
 */
export async function startAndAwaitDecision(temporal: Temporal, orgId: string, leadId: string, waitMs: number): Promise<boolean> {
  if (waitMs <= 0) {
    // Not waiting: a plain start returns as soon as the server has it. Bounded, so a request does not hang on
    // an unreachable Temporal: the lead is stored and the sweeper starts it.
    await temporal.connection.withDeadline(Date.now() + START_DEADLINE_MS, () => ensureLeadWorkflow(temporal, orgId, leadId));
    return false;
  }
  const startWorkflowOperation = new WithStartWorkflowOperation<typeof leadWorkflow>('leadWorkflow', leadStartOptions(temporal.taskQueue, orgId, leadId));
  // One round trip: the start, and the decision when it comes within the wait budget. Past the deadline the
  // call gives up but the workflow goes on (if its start got through; else the sweeper starts it).
  try {
    await temporal.connection.withDeadline(Date.now() + Math.max(waitMs, 1000), () =>
      temporal.client.workflow.executeUpdateWithStart(decisionUpdate, { startWorkflowOperation }),
    );
    return true;
  } catch (err) {
    if (isDeadlineExceeded(err)) return false;
    throw err;
  }
}

export class CommandRejected extends Error {}

/** How long an API request waits for a lead's workflow to carry out a command. */
const COMMAND_DEADLINE_MS = 15_000;

/**
 * Sends an update command to a lead's workflow and returns its result. A validator's refusal, or a command the
 * workflow could not carry out, becomes CommandRejected (the API answers 409). A lead whose workflow is
 * missing (never started, or terminated) gets one first.
 */
export async function sendLeadCommand<Arg>(
  temporal: Temporal,
  orgId: string,
  leadId: string,
  update: UpdateDefinition<CommandReply, [Arg]>,
  arg: Arg,
): Promise<CommandReply> {
  const args: [Arg] = [arg];
  const handle = temporal.client.workflow.getHandle(workflowIdFor(leadId));
  const send = async () => {
    try {
      return await temporal.connection.withDeadline(Date.now() + COMMAND_DEADLINE_MS, () => handle.executeUpdate(update, { args }));
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new CommandRejected(err.cause?.message ?? err.message);
      throw err;
    }
  };
  let result: CommandReply;
  try {
    result = await send();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    // No running workflow: never started (Temporal was down when the lead arrived), or finished meanwhile
    // (a concurrent close). Start one; a finished lead's workflow cannot be started again.
    result = await startThenSend(temporal, orgId, leadId, send);
  }
  if (!result.accepted) throw new CommandRejected(result.reason ?? 'the lead cannot do that now');
  return result;
}

const FINISHED = "the lead's workflow has finished (the lead was closed)";

async function startThenSend(temporal: Temporal, orgId: string, leadId: string, send: () => Promise<CommandReply>): Promise<CommandReply> {
  try {
    await ensureLeadWorkflow(temporal, orgId, leadId);
    return await send();
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError || err instanceof WorkflowNotFoundError) throw new CommandRejected(FINISHED);
    throw err;
  }
}
