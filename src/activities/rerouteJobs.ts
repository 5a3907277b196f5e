import { ApplicationFailure } from '@temporalio/activity';
import { inBatches } from '../concurrency';
import type { Db } from '../db/knex';
import { findLead } from '../db/leads';
import { findRerouteJob, recordPage, type PageOutcome } from '../db/rerouteJobs';
import { rerouteUpdate } from '../lead/messages';
import type { Temporal } from '../temporal/client';
import { CommandRejected, sendLeadCommand } from '../temporal/leads';

/** Leads a job re-routes per activity: small enough to retry cheaply, large enough to keep the history short. */
const PAGE = 50;
/** Lead workflows talked to at once. */
const LANES = 8;

type Result = 'moved' | 'unchanged' | { reason: string };

export function rerouteJobActivities(deps: { db: Db; temporal?: Temporal }) {
  const { db } = deps;

  async function rerouteOne(temporal: Temporal, orgId: string, jobId: string, leadId: string): Promise<Result> {
    const before = await findLead(db, orgId, leadId);
    if (!before) return { reason: 'the lead no longer exists' };
    if (before.status === 'CLOSED') return { reason: 'the lead is closed' };
    try {
      // The update id makes a retried page harmless: the lead's workflow carries each job's re-route out once.
      await sendLeadCommand(temporal, orgId, leadId, rerouteUpdate, { keepIfSameRule: false }, { updateId: `reroute-job:${jobId}:${leadId}` });
    } catch (err) {
      if (err instanceof CommandRejected) return { reason: err.message };
      throw err;
    }
    const after = await findLead(db, orgId, leadId);
    return after?.assigned_rep_id && after.assigned_rep_id !== before.assigned_rep_id ? 'moved' : 'unchanged';
  }

  return {
    /** Re-routes the job's next page of leads and counts what happened; `done` after its last lead. */
    async rerouteJobPage({ jobId }: { jobId: string }): Promise<{ done: boolean }> {
      if (!deps.temporal) throw ApplicationFailure.nonRetryable('this worker has no Temporal client for re-route jobs', 'Misconfigured');
      const job = await findRerouteJob(db, null, jobId);
      if (!job || job.status === 'COMPLETED') return { done: true };
      const page = job.lead_ids.slice(job.processed, job.processed + PAGE);
      const results = await inBatches(page, LANES, (leadId) => rerouteOne(deps.temporal!, job.org_id, jobId, leadId));
      const outcome: PageOutcome = { moved: 0, unchanged: 0, failures: [] };
      results.forEach((r, i) => {
        if (r === 'moved') outcome.moved++;
        else if (r === 'unchanged') outcome.unchanged++;
        else outcome.failures.push({ lead_id: page[i]!, reason: r.reason });
      });
      await recordPage(db, jobId, job.processed, page.length, outcome);
      return { done: job.processed + page.length >= job.lead_ids.length };
    },
  };
}
export type RerouteJobActivities = ReturnType<typeof rerouteJobActivities>;
