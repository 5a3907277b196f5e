import { context, propagation, trace, type Context } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * OpenTelemetry tracing, configured only by the standard OTEL_* variables and off unless they name an exporter:
 * a deployment without a collector pays nothing. On, the API's requests, the Temporal client, the workflows
 * (a bundle built with the tracing interceptors), the activities, their SQL and the webhook calls join one trace.
 */
export interface Tracing {
  enabled: boolean;
  /** Where workflow spans, which are made inside the sandbox, are handed to be exported. */
  spanProcessor?: SpanProcessor;
  resource?: Resource;
  /** Exports what is still buffered. */
  shutdown(): Promise<void>;
}

type Env = Record<string, string | undefined>;
const OFF: Tracing = { enabled: false, shutdown: async () => undefined };
/** Probes and scrapes every few seconds would bury the traces that matter. */
const UNTRACED_PATHS = /^\/(healthz|readyz|metrics)(\/|$|\?)/;

let active = false;

const pathOnly = (url: string | undefined): string => (url ?? '/').split('?')[0]!;
function originOnly(req: { protocol?: string | null; hostname?: string | null; host?: string | null; port?: number | string | null }): string {
  const host = req.hostname ?? req.host ?? 'localhost';
  return `${req.protocol ?? 'http:'}//${host}${req.port ? `:${req.port}` : ''}`;
}

/** Which exporters the environment asks for: none unless OTEL_TRACES_EXPORTER or an OTLP endpoint is set. */
export function exportersFromEnv(env: Env): Array<'otlp' | 'console'> {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return [];
  const named = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (!named.length) return env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? ['otlp'] : [];
  if (named.includes('none')) return [];
  const unknown = named.filter((n) => n !== 'otlp' && n !== 'console');
  if (unknown.length) throw new Error(`OTEL_TRACES_EXPORTER: ${unknown.join(', ')} is not supported here; use otlp, console or none`);
  return named as Array<'otlp' | 'console'>;
}

// The SDK, its exporters and instrumentations load only when tracing is on: a process that does not trace
// carries none of them.
function otlpExporter(env: Env): SpanExporter {
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
  if (protocol === 'grpc') return new (require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
  if (protocol === 'http/json') return new (require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
  if (protocol === 'http/protobuf') return new (require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
  throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL: ${protocol} is not one of grpc, http/protobuf, http/json`);
}

/**
 * Starts tracing for this process when the environment asks for it. Must run before express and pg are first
 * required: their instrumentation hooks the module loader (each process's main imports src/telemetry first).
 */
export function startTracing(serviceName: string, env: Env = process.env): Tracing {
  const exporters = exportersFromEnv(env);
  if (!exporters.length) return OFF;
  const { Resource, detectResourcesSync, envDetectorSync, processDetectorSync, hostDetectorSync } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { BatchSpanProcessor, ConsoleSpanExporter } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation, ExpressLayerType } = require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const resource = new Resource({ 'service.name': serviceName }).merge(detectResourcesSync({ detectors: [envDetectorSync, processDetectorSync, hostDetectorSync] }));
  const spanProcessors = exporters.map((e) => new BatchSpanProcessor(e === 'otlp' ? otlpExporter(env) : new ConsoleSpanExporter()));
  const provider = new NodeTracerProvider({ resource, spanProcessors });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.test(req.url ?? ''),
        // A query may carry a person's email (GET /v1/leads?email=); a webhook's or Slack's URL its secret.
        startIncomingSpanHook: (req) => ({ 'http.target': pathOnly(req.url), 'http.url': pathOnly(req.url) }),
        startOutgoingSpanHook: (req) => ({ 'http.url': originOnly(req), 'http.target': '/' }),
      }),
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      // Statements only, never their values (a lead's email is a value); and no trace of its own for a
      // background job's polling, which no request asked for.
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
    ],
  });
  active = true;
  // Workflow spans arrive from the sandbox finished; they go to the same exporters as the rest.
  const forWorkflows: SpanProcessor = {
    onStart: () => undefined,
    onEnd: (span) => spanProcessors.forEach((p) => p.onEnd(span)),
    forceFlush: async () => undefined,
    shutdown: async () => undefined,
  };
  return { enabled: true, spanProcessor: forWorkflows, resource, shutdown: () => provider.shutdown() };
}

/** Whether this process traces: the Temporal client adds its interceptor then. */
export function tracingActive(): boolean {
  return active;
}

const w3c = new W3CTraceContextPropagator();

/** The current span as a W3C `traceparent`, for work handed on through a table (an outbox row). */
export function currentTraceparent(): string | undefined {
  if (!active) return undefined;
  const carrier: Record<string, string> = {};
  w3c.inject(context.active(), carrier, { set: (c, k, v) => (c[k] = v) });
  return carrier.traceparent;
}

/** Runs `fn` as part of the trace a `traceparent` names (from an outbox row); as it is when there is none. */
export function withTraceparent<T>(traceparent: string | null | undefined, fn: () => T): T {
  if (!active || !traceparent) return fn();
  const parent: Context = w3c.extract(context.active(), { traceparent }, { get: (c, k) => c[k], keys: (c) => Object.keys(c) });
  return context.with(parent, fn);
}

/** Runs `fn` in a span of its own named `name` (the dispatcher's first attempt at an outbox row), ended when it settles. */
export async function inSpan<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!active) return fn();
  return trace.getTracer('routeswit').startActiveSpan(name, async (span) => {
    try {
      return await fn();
    } finally {
      span.end();
    }
  });
}

/** The ids a log line carries to find its trace: none outside a traced span. */
export function traceIds(): { trace_id: string; span_id: string } | undefined {
  if (!active) return undefined;
  const span = trace.getSpan(context.active())?.spanContext();
  return span && trace.isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : undefined;
}

/** `fn`, to run later (an event's callback) as part of the trace current now. */
export function bindTrace<F extends (...args: never[]) => unknown>(fn: F): F {
  return active ? context.bind(context.active(), fn) : fn;
}

const REQUEST_ID = 'routeswit.request_id';

/**
 * Runs the rest of a request with its id on the trace: an attribute of the request's span, and baggage that
 * travels with the trace into the workflow and its activities, whose log lines then name the request.
 */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  if (!active) return fn();
  trace.getSpan(context.active())?.setAttribute(REQUEST_ID, requestId);
  const baggage = (propagation.getBaggage(context.active()) ?? propagation.createBaggage()).setEntry(REQUEST_ID, { value: requestId });
  return context.with(propagation.setBaggage(context.active(), baggage), fn);
}

/** The id of the request this work serves, when it came with the trace. */
export function baggageRequestId(): string | undefined {
  return active ? propagation.getBaggage(context.active())?.getEntry(REQUEST_ID)?.value : undefined;
}
