import { parseArgs } from 'node:util';
import { temporal as proto } from '@temporalio/proto';
import type { Config } from '../config';
import { createTemporal } from '../temporal/client';
import { buildId, promoteVersion } from '../worker/versioning';

/**
 * `routeswit versions promote [--build-id <id>]` makes a build the Worker Deployment's current version (new
 * leads start on it, running ones move to it); `versions current` says which build is. Promotion is a step
 * someone takes once the new workers poll, never a side effect of a worker starting: an old pod restarting
 * must not put its build back.
 */
export async function versions(config: Config, args: string[]): Promise<string> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { 'build-id': { type: 'string' } } });
  const temporal = createTemporal(config);
  const deploymentName = config.WORKER_DEPLOYMENT_NAME;
  try {
    if (sub === 'promote') {
      const id = values['build-id'] ?? buildId(config);
      await promoteVersion(temporal, { deploymentName, buildId: id }, 'routeswit-cli');
      return JSON.stringify({ deployment: deploymentName, current: id });
    }
    if (sub === 'current') {
      const { workerDeploymentInfo } = await temporal.client.workflowService.describeWorkerDeployment({ namespace: temporal.namespace, deploymentName });
      const routing = workerDeploymentInfo?.routingConfig;
      const settled = workerDeploymentInfo?.routingConfigUpdateState !== proto.api.enums.v1.RoutingConfigUpdateState.ROUTING_CONFIG_UPDATE_STATE_IN_PROGRESS;
      return JSON.stringify({ deployment: deploymentName, current: routing?.currentDeploymentVersion?.buildId ?? null, ramping: routing?.rampingDeploymentVersion?.buildId ?? null, settled });
    }
    throw new Error(`unknown versions command: ${sub ?? '(none)'} (promote [--build-id <id>], current)`);
  } finally {
    await temporal.close();
  }
}
