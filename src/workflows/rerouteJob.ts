import { proxyActivities } from '@temporalio/workflow';
import type { RerouteJobActivities } from '../activities/rerouteJobs';
import { versioning } from './versioning';

const { rerouteJobPage } = proxyActivities<RerouteJobActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** POST /v1/leads/reroute: the job's leads, page by page, each routed again through its own workflow. */
export async function rerouteJobWorkflow({ jobId }: { jobId: string }): Promise<void> {
  for (let done = false; !done; ) ({ done } = await rerouteJobPage({ jobId }));
}

// A job takes minutes at most: it finishes on the build that started it.
versioning('PINNED', rerouteJobWorkflow);
