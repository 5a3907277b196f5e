import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { temporal as proto } from '@temporalio/proto';
import type { WorkerDeploymentOptions } from '@temporalio/worker';
import type { Config } from '../config';
import type { Temporal } from '../temporal/client';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * The build's id: WORKER_BUILD_ID (the image sets it from the commit it was built from), else the checkout's
 * commit, marked when the tree has uncommitted changes, else the package version.
 */
export function buildId(config: Pick<Config, 'WORKER_BUILD_ID'>, cwd = ROOT): string {
  if (config.WORKER_BUILD_ID) return config.WORKER_BUILD_ID;
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const commit = git('rev-parse', '--short=12', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') ? `${commit}-dirty` : commit;
  } catch {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    return `v${pkg.version}`;
  }
}

/**
 * With WORKER_VERSIONING the worker polls as one version of the deployment. Workflows say how they move
 * between versions (see `setWorkflowOptions` in each workflow file): short-lived ones are PINNED to the build
 * that started them, the lead workflow upgrades and relies on `patched()`.
 */
export function deploymentOptions(config: Pick<Config, 'WORKER_VERSIONING' | 'WORKER_DEPLOYMENT_NAME' | 'WORKER_BUILD_ID'>): WorkerDeploymentOptions | undefined {
  if (!config.WORKER_VERSIONING) return undefined;
  return { useWorkerVersioning: true, version: { deploymentName: config.WORKER_DEPLOYMENT_NAME, buildId: buildId(config) }, defaultVersioningBehavior: 'AUTO_UPGRADE' };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Makes this worker's version the deployment's current one, so new workflows start on it and upgrading ones
 * move to it. The server learns a version from its pollers, so this retries until the worker's first polls
 * have arrived; then it waits until the new routing has reached every task queue partition.
 */
export async function promoteVersion(temporal: Temporal, version: { deploymentName: string; buildId: string }, identity: string, attempts = 30): Promise<void> {
  const { namespace, client } = temporal;
  for (let attempt = 1; ; attempt++) {
    try {
      await client.workflowService.setWorkerDeploymentCurrentVersion({ namespace, deploymentName: version.deploymentName, buildId: version.buildId, identity });
      break;
    } catch (err) {
      if (attempt >= attempts) throw err;
      await sleep(1000);
    }
  }
  for (let attempt = 1; attempt <= attempts * 10; attempt++) {
    const { workerDeploymentInfo } = await client.workflowService.describeWorkerDeployment({ namespace, deploymentName: version.deploymentName });
    if (workerDeploymentInfo?.routingConfigUpdateState !== proto.api.enums.v1.RoutingConfigUpdateState.ROUTING_CONFIG_UPDATE_STATE_IN_PROGRESS) return;
    await sleep(100);
  }
}
