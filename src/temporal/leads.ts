import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type WorkflowStartOptions } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { leadWorkflow } from '../workflows/lead';
import { decisionUpdate, type CommandReply } from '../lead/messages';
import { workflowIdFor } from '../lead/model';
import { SA } from '../lead/searchAttributes';
import { startDetails, startSummary, type LeadHeadline } from '../lead/story';
import type { Temporal } from './client';
import { isDeadlineExceeded } from './errors';

/**
 * Starting and talking to lead workflows. One workflow id per lead: a running run is reused, and a new run
 * may start once the last one has ended (the lead settled and later gets a command, or a run failed).
 */
const START_DEADLINE_MS = 5_000;

/** Who the lead is, for the workflow's summary in the Web UI. */
export type Headline = Omit<LeadHeadline, 'id'>;

/**
 * How a lead's work queues on the shared task queue. A lead someone waits for (one from a form, a command)
 * goes ahead of bulk intake (a batch, an import, the sweeper's catch-up), and within a priority the server
 * takes organizations in turn (fairness key), so one organization's 10,000-lead import does not queue
 * another's single lead behind it. Servers without priority and fairness ignore both (the task queue then
 * stays first in, first out); they need `matching.useNewMatcher` and `matching.enableFairness` (on in the
 * dev server and compose; a setting of the namespace on Temporal Cloud).
 */
export type Lane = 'interactive' | 'bulk';
export const PRIORITY: Record<Lane, number> = { interactive: 2, bulk: 4 };

export function leadStartOptions(temporal: Temporal, orgId: string, leadId: string, headline?: Headline, lane: Lane = 'interactive'): WorkflowStartOptions<typeof leadWorkflow> & {
  workflowIdConflictPolicy: 'USE_EXISTING';
} {
  const lead = { id: leadId, name: null, company: null, source: null, ...headline };
  return {
    taskQueue: temporal.taskQueue,
    priority: { priorityKey: PRIORITY[lane], fairnessKey: orgId },
    workflowId: workflowIdFor(leadId),
    staticSummary: startSummary(lead),
    staticDetails: startDetails(lead, orgId, temporal.apiUrl),
    args: [{ orgId, leadId }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: [
      { key: SA.orgId, value: orgId },
      { key: SA.leadId, value: leadId },
      { key: SA.leadStatus, value: 'ROUTING' },
    ],
  };
}

export async function ensureLeadWorkflow(temporal: Temporal, orgId: string, leadId: string, headline?: Headline, lane: Lane = 'interactive'): Promise<void> {
  await temporal.client.workflow.start<typeof leadWorkflow>('leadWorkflow', leadStartOptions(temporal, orgId, leadId, headline, lane));
}

/**
 * Starts the lead's workflow (or finds it running) and waits up to `waitMs` for its routing decision, in one
 * round trip: update-with-start. False when the decision takes longer; the lead goes on routing regardless.
 * The decision itself is read from the database, which has it in full (the workflow keeps only what it needs).
 */
export async function startAndAwaitDecision(temporal: Temporal, orgId: string, leadId: string, waitMs: number, headline?: Headline, lane: Lane = 'interactive'): Promise<boolean> {
  if (waitMs <= 0) {
    // Not waiting: a plain start returns as soon as the server has it. Bounded, so a request does not hang on
    // an unreachable Temporal: the lead is stored and the sweeper starts it.
    await temporal.connection.withDeadline(Date.now() + START_DEADLINE_MS, () => ensureLeadWorkflow(temporal, orgId, leadId, headline, lane));
    return false;
  }
  const startWorkflowOperation = new WithStartWorkflowOperation<typeof leadWorkflow>('leadWorkflow', leadStartOptions(temporal, orgId, leadId, headline));
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
 * Sends a command to a lead's workflow and returns its answer, in one round trip: update-with-start. A lead
 * whose last run has ended (it was touched, given up, closed) gets a new run, which reads the lead's state
 * from the database and then carries the command out. A validator's refusal, or a command the workflow could
 * not carry out, becomes CommandRejected (the API answers 409).
 *
 * `updateId` makes a retry safe: a request retried after the deadline (the API answered 503, but the update
 * was accepted and goes on) is recognised by its id and not carried out twice.
 */
export async function sendLeadCommand<Arg>(
  temporal: Temporal,
  orgId: string,
  leadId: string,
  update: UpdateDefinition<CommandReply, [Arg]>,
  arg: Arg,
  opts: { updateId?: string; deadlineMs?: number; headline?: Headline } = {},
): Promise<CommandReply> {
  const startWorkflowOperation = new WithStartWorkflowOperation<typeof leadWorkflow>('leadWorkflow', leadStartOptions(temporal, orgId, leadId, opts.headline));
  let result: CommandReply;
  try {
    result = await temporal.connection.withDeadline(Date.now() + (opts.deadlineMs ?? COMMAND_DEADLINE_MS), () =>
      temporal.client.workflow.executeUpdateWithStart(update, { args: [arg], startWorkflowOperation, ...(opts.updateId ? { updateId: opts.updateId } : {}) }),
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new CommandRejected(err.cause?.message ?? err.message);
    throw err;
  }
  if (!result.accepted) throw new CommandRejected(result.reason ?? 'the lead cannot do that now');
  return result;
}

/** Starts a re-route job's workflow (bounded, like a lead's start: an unreachable Temporal fails the request). */
export async function startRerouteJob(temporal: Temporal, jobId: string, leads: number): Promise<void> {
  await temporal.connection.withDeadline(Date.now() + START_DEADLINE_MS, () =>
    temporal.client.workflow.start('rerouteJobWorkflow', {
      taskQueue: temporal.taskQueue,
      workflowId: `reroute-job-${jobId}`,
      args: [{ jobId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `Re-route ${leads} lead${leads === 1 ? '' : 's'} (job ${jobId})`,
    }),
  );
}
