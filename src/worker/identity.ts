import os from 'node:os';
import { temporal as proto } from '@temporalio/proto';
import type { Temporal } from '../temporal/client';

/** A worker's identity in Temporal: its deployment (database) first, then where it runs. */
export const workerIdentity = (deploymentId: string): string => `${deploymentId}@${os.hostname()}:${process.pid}`;

/** Pollers seen this recently are live (a long poll lasts about a minute). */
const LIVE_POLLER_MS = 2 * 60_000;

export class ForeignDeploymentError extends Error {}

/**
 * Refuses to serve a task queue that workers of another deployment poll: two stacks with two databases on one
 * Temporal server would otherwise take each other's tasks and fail each other's leads ("lead not found").
 */
export async function assertTaskQueueIsOurs(temporal: Temporal, taskQueue: string, deploymentId: string): Promise<void> {
  const foreign = new Set<string>();
  for (const type of [proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY]) {
    const { pollers } = await temporal.client.workflowService.describeTaskQueue({ namespace: temporal.namespace, taskQueue: { name: taskQueue }, taskQueueType: type });
    for (const p of pollers ?? []) {
      const seen = p.lastAccessTime?.seconds ? Number(p.lastAccessTime.seconds) * 1000 : 0;
      if (p.identity && !p.identity.startsWith(`${deploymentId}@`) && Date.now() - seen < LIVE_POLLER_MS) foreign.add(p.identity);
    }
  }
  if (foreign.size) {
    throw new ForeignDeploymentError(
      `task queue "${taskQueue}" in namespace "${temporal.namespace}" is being polled by workers of another deployment (${[...foreign].join(', ')}). ` +
        'Refusing to start: two databases must not share a task queue. Use another TEMPORAL_TASK_QUEUE or TEMPORAL_NAMESPACE, or another Temporal server.',
    );
  }
}
