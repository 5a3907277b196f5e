import { ActivityFailure, ApplicationFailure, proxyActivities, setHandler, type ActivityOptions } from '@temporalio/workflow';
import type { CrmInboundActivities } from '../activities/crmInbound';
import type { CrmOwnerActivities } from '../activities/crmOwners';
import type { CrmPollActivities } from '../activities/crmPoll';
import type { CrmWriteActivities } from '../activities/crmWrites';
import type { CrmName } from '../crm/connector';
import { crmWritePendingSignal } from '../lead/messages';
import type { OwnerSyncReport } from '../schemas/integrations';
import { versioning } from './versioning';

/**
 * Talking to a CRM that may be down, slow or rate-limiting: each call is retried with backoff for up to two
 * hours (a CRM outage of that length is ridden out), honouring the CRM's Retry-After; a refusal that retrying
 * cannot change (CrmRejected: a 4xx other than 401 and 429) ends at once.
 */
const PATIENT: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '2 hours',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', nonRetryableErrorTypes: ['CrmRejected', 'CrmNotConnected', 'Misconfigured'] },
};
const QUICK: ActivityOptions = { startToCloseTimeout: '30 seconds', retry: { maximumInterval: '1 minute' } };

const crm = proxyActivities<CrmWriteActivities & CrmInboundActivities>(PATIENT);
const book = proxyActivities<CrmWriteActivities & CrmInboundActivities>(QUICK);
// Someone may be waiting for the report (POST …/owners/sync): a few tries, then say why it failed.
const owners = proxyActivities<CrmOwnerActivities>({ startToCloseTimeout: '2 minutes', retry: { initialInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes: PATIENT.retry!.nonRetryableErrorTypes } });

/** What a failure that ended the retries says: its HTTP status when the CRM answered, and why. */
function why(err: ActivityFailure): { status: number | null; reason: string } {
  const cause = err.cause;
  const details = cause instanceof ApplicationFailure ? (cause.details?.[0] as { status?: number | null } | undefined) : undefined;
  return { status: details?.status ?? null, reason: cause?.message ?? err.message };
}

/**
 * Writes a lead's owner to the CRM after each assignment, in order: it always writes the newest assignment
 * (older ones waiting are superseded), and one run per lead means an older owner can never land after a newer
 * one. Told of new writes by signal; ends when none waits.
 */
export async function crmWriteWorkflow(input: { orgId: string; leadId: string; crm: CrmName }): Promise<number> {
  let more = true;
  let written = 0;
  setHandler(crmWritePendingSignal, () => {
    more = true;
  });
  while (more) {
    more = false;
    const writeId = await book.claimCrmWrite({ leadId: input.leadId, crm: input.crm });
    if (!writeId) continue;
    more = true;
    try {
      if ((await crm.writeCrmOwner({ writeId })) === 'SYNCED') written++;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      await book.crmWriteFailed({ writeId, ...why(err) });
    }
  }
  return written;
}

/** Takes in the events of one CRM webhook request: leads made and updated from the contacts they name. */
export async function crmInboundWorkflow(input: { batchId: string }): Promise<{ done: number; ignored: number }> {
  try {
    return await crm.ingestCrmBatch({ batchId: input.batchId });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    await book.crmBatchFailed({ batchId: input.batchId, reason: why(err).reason });
    return { done: 0, ignored: 0 };
  }
}

// A poll is cheap to run again: a few tries, then the next scheduled one carries on from the same cursor.
const poller = proxyActivities<CrmPollActivities>({ startToCloseTimeout: '5 minutes', retry: { initialInterval: '5 seconds', maximumAttempts: 3, nonRetryableErrorTypes: PATIENT.retry!.nonRetryableErrorTypes } });

/** Takes in what a polled CRM created and changed since the last poll (on a schedule, per connection). */
export async function crmPollWorkflow(input: { orgId: string; crm: CrmName }): Promise<{ created: number; modified: number }> {
  return poller.pollCrm(input);
}

/** Maps the CRM's owners to reps by email: on demand (POST …/owners/sync) and daily on a schedule. */
export async function crmOwnerSyncWorkflow(input: { orgId: string; crm: CrmName }): Promise<OwnerSyncReport> {
  return owners.syncCrmOwners(input);
}

// Short-lived: each run finishes on the build that started it.
versioning('PINNED', crmWriteWorkflow);
versioning('PINNED', crmInboundWorkflow);
versioning('PINNED', crmOwnerSyncWorkflow);
versioning('PINNED', crmPollWorkflow);
