import fs from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

export interface RouteswitWorkerOptions extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** A bundle prebuilt by `npm run build` (or a test's global setup) skips bundling at start-up. */
  workflowBundlePath?: string;
  tuning?: Partial<Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows' | 'maxConcurrentLocalActivityExecutions'>>;
}

export const WORKFLOWS_PATH = require.resolve('../workflows');

export function defaultBundlePath(): string | undefined {
  const candidate = path.resolve(__dirname, '..', '..', 'workflow-bundle.js');
  return fs.existsSync(candidate) ? candidate : undefined;
}

export async function createWorker(opts: RouteswitWorkerOptions): Promise<Worker> {
  const bundle = opts.workflowBundlePath;
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities({ db: opts.db }),
    ...opts.tuning,
  });
}
