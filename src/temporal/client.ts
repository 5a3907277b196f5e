import { Client, Connection } from '@temporalio/client';
import { tracingActive } from '../telemetry/tracing';
import type { Config } from '../config';
import { routeswitDataConverter } from './codec';
import { describeConnectError } from './connect';

/**
 * The one place the API, CLI and scripts get a Temporal client from. The connection is lazy so the API can
 * start (and report not-ready) while Temporal is still coming up.
 */
export interface Temporal {
  client: Client;
  connection: Connection;
  taskQueue: string;
  namespace: string;
  /** Where people reach the API: workflows link to their lead there. */
  apiUrl: string;
  /** Resolves when the server answers, rejects after `timeoutMs`. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export type TemporalConfig = Pick<Config, 'TEMPORAL_CONNECTION' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE' | 'ENCRYPTION_KEYS'> & { PUBLIC_API_URL?: string };

export function createTemporal(config: TemporalConfig): Temporal {
  const options = config.TEMPORAL_CONNECTION.options;
  const connection = Connection.lazy(options);
  // Traced, a started or signalled workflow carries the caller's trace in its headers.
  const interceptors = tracingActive() ? { workflow: [new (require('@temporalio/interceptors-opentelemetry/lib/client') as typeof import('@temporalio/interceptors-opentelemetry/lib/client')).OpenTelemetryWorkflowClientInterceptor()] } : undefined;
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: routeswitDataConverter(config.ENCRYPTION_KEYS), interceptors });
  // Readiness must answer now, not after the default retry schedule; an empty interceptor list means one attempt.
  const probe = Connection.lazy({ ...options, interceptors: [] });
  return {
    client,
    connection,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    namespace: config.TEMPORAL_NAMESPACE,
    apiUrl: config.PUBLIC_API_URL ?? 'http://localhost:3000',
    async ping(timeoutMs = 2000) {
      try {
        await probe.withDeadline(Date.now() + timeoutMs, () => probe.workflowService.describeNamespace({ namespace: config.TEMPORAL_NAMESPACE }));
      } catch (err) {
        // What readiness and `doctor` say: the setting to look at, not only the gRPC status.
        throw new Error(describeConnectError(err, config.TEMPORAL_CONNECTION).message);
      }
    },
    close: async () => {
      await Promise.all([connection.close(), probe.close()]);
    },
  };
}
