import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowStartOptions,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { leadWorkflow } from '../workflows/lead';
import { decisionUpdate, type CommandResult, type Decision } from '../workflows/messages';
import { workflowIdFor } from '../db/leads';
import { SA } from './searchAttributes';
import type { Temporal } from './client';

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
 * round trip: update-with-start. Null when the decision takes longer; the lead goes on routing regardless.
 */
export async function startAndAwaitDecision(temporal: Temporal, orgId: string, leadId: string, waitMs: number): Promise<Decision | null> {
  if (waitMs <= 0) {
    // Not waiting: a plain start returns as soon as the server has it. Bounded, so a request does not hang on
    // an unreachable Temporal: the lead is stored and the sweeper starts it.
    await temporal.connection.withDeadline(Date.now() + START_DEADLINE_MS, () => ensureLeadWorkflow(temporal, orgId, leadId));
    return null;
  }
  const startWorkflowOperation = new WithStartWorkflowOperation<typeof leadWorkflow>('leadWorkflow', leadStartOptions(temporal.taskQueue, orgId, leadId));
  // One round trip: the start, and the decision when it comes within the wait budget. Past the deadline the
  // call gives up but the workflow goes on (if its start got through; else the sweeper starts it).
  try {
    return await temporal.connection.withDeadline(Date.now() + Math.max(waitMs, 1000), () =>
      temporal.client.workflow.executeUpdateWithStart(decisionUpdate, { startWorkflowOperation }),
    );
  } catch (err) {
    if (isDeadlineExceeded(err)) return null;
    throw err;
  }
}

function isDeadlineExceeded(err: unknown): boolean {
  for (let e = err as { code?: number; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === 4) return true; // gRPC DEADLINE_EXCEEDED
  }
  return /deadline/i.test(String((err as Error)?.message));
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
  update: UpdateDefinition<CommandResult, [Arg]>,
  arg: Arg,
): Promise<CommandResult> {
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
  let result: CommandResult;
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

async function startThenSend(temporal: Temporal, orgId: string, leadId: string, send: () => Promise<CommandResult>): Promise<CommandResult> {
  try {
    await ensureLeadWorkflow(temporal, orgId, leadId);
    return await send();
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError || err instanceof WorkflowNotFoundError) throw new CommandRejected(FINISHED);
    throw err;
  }
}
