import { setWorkflowOptions, workflowInfo } from '@temporalio/workflow';
import type { VersioningBehavior } from '@temporalio/common';

/**
 * How a workflow moves between builds under Worker Versioning: PINNED runs finish on the build that started
 * them; AUTO_UPGRADE runs move to each new current build (and so need patched() for changes). The server
 * refuses a behavior from an unversioned worker (whose task carries a build id but no deployment name), so it
 * is declared only when this task runs on a versioned one.
 */
export function versioning<A extends unknown[], R>(behavior: VersioningBehavior, fn: (...args: A) => Promise<R>): void {
  setWorkflowOptions(() => (workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior: behavior } : {}), fn);
}
