import fs from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker, type BundleOptions, type WorkerDeploymentOptions, type WorkerOptions } from '@temporalio/worker';
import type { Tracing } from '../telemetry/tracing';
import { leadLogInterceptors } from './activityLog';
import { createActivities, type ActivityDeps } from '../activities';
import type { NotificationSettings } from '../activities/notifications';
import type { Db } from '../db/knex';
import type { Temporal } from '../temporal/client';
import { routeswitDataConverter } from '../temporal/codec';
import { deploymentId } from '../db/deployment';
import { assertTaskQueueIsOurs, workerIdentity } from './identity';

export interface RouteswitWorkerOptions {
  connection: NativeConnection;
  db: Db;
  /** A client for activities that signal other workflows (waking waiting leads). */
  temporal: Temporal;
  namespace: string;
  taskQueue: string;
  /** OUTBOUND_TARGETS: where webhooks may be delivered. */
  outboundTargets: string;
  /** ENCRYPTION_KEYS: payloads are encrypted with them (see temporal/codec). */
  encryptionKeys: string | undefined;
  /** How notifications are sent (see activities/notifications). */
  notifications: NotificationSettings;
  /** CRM settings and where CRM leads go in (see activities/crmInbound). */
  crm?: ActivityDeps['crm'];
  crmLeads?: ActivityDeps['crmLeads'];
  retention?: ActivityDeps['retention'];
  /** Defaults to the database's; tests set another to play a second deployment. */
  deploymentId?: string;
  /** The database pool's size: local activities (Postgres I/O) run at most this many at once. */
  poolSize?: number;
  /** After shutdown is asked: how long tasks may finish, and when the worker stops regardless (seconds). */
  shutdown?: { graceSeconds: number; forceSeconds: number };
  /** Worker Versioning (see versioning.ts); unversioned when omitted. */
  versioning?: WorkerDeploymentOptions;
  /** A bundle prebuilt by `npm run build` (or a test's global setup) skips bundling at start-up. */
  workflowBundlePath?: string;
  /** Tracing on: workflows from the traced bundle, activities in the trace that scheduled them. */
  tracing?: Tracing;
  tuning?: Partial<Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows' | 'maxConcurrentLocalActivityExecutions'>>;
}

export const WORKFLOWS_PATH = require.resolve('../workflows');

export function defaultBundlePath(): string | undefined {
  const candidate = path.resolve(__dirname, '..', '..', 'workflow-bundle.js');
  return fs.existsSync(candidate) ? candidate : undefined;
}

const TRACING_INTERCEPTORS = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/**
 * What the workflow bundle is built from. The traced bundle adds the tracing interceptors, which cost every
 * workflow task a few spans: a deployment that does not trace runs the plain one.
 */
export function bundleOptions(traced: boolean): Pick<BundleOptions, 'workflowsPath' | 'workflowInterceptorModules'> {
  return { workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: traced ? [TRACING_INTERCEPTORS] : [] };
}

/** `npm run build` writes the traced bundle beside the plain one. */
export const tracedBundlePath = (plain: string) => plain.replace(/\.js$/, '.traced.js');

/** The prebuilt bundle to run, or none (bundled at start, slower) when the one tracing needs was not built. */
function chooseBundle(plain: string | undefined, traced: boolean): string | undefined {
  if (!plain || !traced) return plain;
  const candidate = tracedBundlePath(plain);
  return fs.existsSync(candidate) ? candidate : undefined;
}

function tracingOptions(tracing: Tracing | undefined): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  if (!tracing?.enabled) return { interceptors: { activity: [leadLogInterceptors] } };
  // Loaded only when tracing is on (see src/telemetry).
  const otel = require('@temporalio/interceptors-opentelemetry/lib/worker') as typeof import('@temporalio/interceptors-opentelemetry/lib/worker');
  const { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor, makeWorkflowExporter } = otel;
  return {
    interceptors: {
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }), leadLogInterceptors],
      workflowModules: [TRACING_INTERCEPTORS],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor!, tracing.resource!) },
  };
}
const DEFAULT_POOL_SIZE = 10;
const DEFAULT_SHUTDOWN = { graceSeconds: 10, forceSeconds: 30 };

/**
 * A worker for this deployment's task queue, known by the deployment's id; it refuses to start when workers
 * of another deployment poll the same queue (see identity.ts).
 */
export async function createWorker(opts: RouteswitWorkerOptions): Promise<Worker> {
  const traced = opts.tracing?.enabled ?? false;
  const bundle = chooseBundle(opts.workflowBundlePath, traced);
  const deployment = opts.deploymentId ?? (await deploymentId(opts.db));
  const poolSize = opts.poolSize ?? DEFAULT_POOL_SIZE;
  const shutdown = opts.shutdown ?? DEFAULT_SHUTDOWN;
  await assertTaskQueueIsOurs(opts.temporal, opts.taskQueue, deployment);
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    identity: workerIdentity(deployment),
    dataConverter: routeswitDataConverter(opts.encryptionKeys),
    ...(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: WORKFLOWS_PATH }),
    ...tracingOptions(opts.tracing),
    activities: createActivities({ db: opts.db, taskQueue: opts.taskQueue, outboundTargets: opts.outboundTargets, encryptionKeys: opts.encryptionKeys, notifications: opts.notifications, temporal: opts.temporal, crm: opts.crm, crmLeads: opts.crmLeads, retention: opts.retention }),
    // Each local activity holds a pooled connection: more at once than the pool only queues them inside the
    // pool, where they time out. Regular activities include webhook calls that wait on the network.
    maxConcurrentLocalActivityExecutions: poolSize,
    maxConcurrentActivityTaskExecutions: poolSize * 2,
    // Most workflow tasks run a local activity (a lead's routing): taking many more than there are local
    // activity slots only queues them here, first come first served, where the task queue's priorities and
    // fairness between organizations no longer apply. Past a few spare, the backlog waits on the server.
    maxConcurrentWorkflowTaskExecutions: poolSize + 4,
    shutdownGraceTime: `${shutdown.graceSeconds}s`,
    // Without it a worker whose tasks hang (Postgres unreachable) never finishes stopping.
    shutdownForceTime: `${shutdown.forceSeconds}s`,
    ...(opts.versioning ? { workerDeploymentOptions: opts.versioning } : {}),
    ...opts.tuning,
  });
}
