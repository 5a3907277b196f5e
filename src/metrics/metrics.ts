import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Routeswit's own Prometheus metrics, one registry per process (the API's and the worker's), every metric
 * documented in docs/metrics.md. Labels are bounded sets (route templates, outcomes, outbox names): a lead,
 * rep or organization is never a label, except lead → assigned by organization when METRICS_PER_ORG allows it.
 * The Temporal SDK's own metrics stay on WORKER_METRICS_ADDRESS.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'routeswit_' });

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const httpRequests = new Histogram({
  name: 'routeswit_http_request_duration_seconds',
  help: 'API requests by route template, method and status, from the first byte read to the last written',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: SECONDS,
  registers: [registry],
});

export const leadAssigned = new Histogram({
  name: 'routeswit_lead_assigned_seconds',
  help: "Time from a lead's arrival to its first assignment (org: the organization, only with METRICS_PER_ORG=true, else \"all\")",
  labelNames: ['org'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
  registers: [registry],
});

export const routingDecisions = new Counter({
  name: 'routeswit_routing_decisions_total',
  help: 'Routing decisions written: outcome assigned (reason: ROUTED, RETRY, SLA_REASSIGN, MANUAL_REASSIGN, REP_UNAVAILABLE, …) or unassigned (reason: NO_RULE_MATCHED, NO_ELIGIBLE_REP)',
  labelNames: ['outcome', 'reason'] as const,
  registers: [registry],
});

export const slaEvents = new Counter({
  name: 'routeswit_sla_events_total',
  help: 'SLA events recorded on leads: SLA_BREACHED, REMINDED, ESCALATED, … (step: the escalation action, or none)',
  labelNames: ['event', 'step'] as const,
  registers: [registry],
});

export const outboxAttempts = new Counter({
  name: 'routeswit_outbox_attempts_total',
  help: 'Delivery attempts from each outbox (webhook_deliveries, notifications, crm_writes) by result: ok, failed (retried), gave_up',
  labelNames: ['outbox', 'result'] as const,
  registers: [registry],
});

export const outboxDepth = new Gauge({ name: 'routeswit_outbox_depth', help: 'Items PENDING in each outbox (waiting or being retried)', labelNames: ['outbox'] as const, registers: [registry] });
export const outboxOldest = new Gauge({ name: 'routeswit_outbox_oldest_seconds', help: 'Age of the oldest PENDING item of each outbox (0 when empty)', labelNames: ['outbox'] as const, registers: [registry] });

export const backgroundRounds = new Histogram({
  name: 'routeswit_background_round_seconds',
  help: "A background job's round (sweeper, dispatcher, crm_dispatcher, bulk_feeder), by result ok or failed",
  labelNames: ['job', 'result'] as const,
  buckets: SECONDS,
  registers: [registry],
});

export const sweeperFound = new Counter({
  name: 'routeswit_sweeper_found_total',
  help: 'What the sweeper caught up: leads whose workflow had not started (started) and first touches not yet delivered (touches). Non-zero means something was missed',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export const dbPool = new Gauge({ name: 'routeswit_db_pool_connections', help: 'Database pool connections by state: used, free, pending (callers waiting for one)', labelNames: ['pool', 'state'] as const, registers: [registry] });

/** A labelled org for lead → assigned: the id only when the operator allows that cardinality. */
export const orgLabel = (orgId: string): string => (process.env.METRICS_PER_ORG === 'true' ? orgId : 'all');
