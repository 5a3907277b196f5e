import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveMetrics } from '../../src/metrics/server';
import { apiSuite, publishRules, startWorker, type TestWorker } from '../helpers/stack';

/**
 * Issue 31: /metrics, on an address of its own, tells an operator what the README says to watch: requests by
 * route template, lead → assigned, routing outcomes, the outboxes, the background jobs, the database pool.
 */
// A task queue of its own: the lead must be routed by this process's worker, whose registry is read here.
const QUEUE = `metrics-${process.pid}`;
const suite = apiSuite({ TEMPORAL_TASK_QUEUE: QUEUE });
let worker: TestWorker;
let server: Server;
let url: string;
beforeAll(async () => {
  // Notifications and deliveries are left to the files that test them (an outbox dispatcher here would send theirs).
  worker = await startWorker(QUEUE, { TEMPORAL_TASK_QUEUE: QUEUE }, { outbox: false });
  server = await serveMetrics('127.0.0.1:0', suite.api.deps.db, 'api', suite.api.deps.logger);
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
});
afterAll(async () => {
  server?.close();
  await worker?.stop();
});

/** The value of one series in the exposition text (0 when absent). */
function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
const scrape = async () => (await fetch(url)).text();

it('moves the lead → assigned histogram and the decisions counter when a lead is routed', async () => {
  const { api, org } = suite;
  const rep = await api.http.post('/v1/reps').set(org.auth).send({ name: 'Metric Rep', email: `metrics-${process.pid}@metrics.io`, teams: ['m'] });
  await publishRules(api, org, { rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'm' } }] });
  const before = await scrape();
  const lead = await api.http.post('/v1/leads').set(org.auth).send({ email: 'counted@metrics.io' });
  expect(lead.body).toMatchObject({ status: 'ASSIGNED', assigned_rep_id: rep.body.id });
  const after = await scrape();
  expect(value(after, 'routeswit_lead_assigned_seconds_count{org="all"}')).toBe(value(before, 'routeswit_lead_assigned_seconds_count{org="all"}') + 1);
  expect(value(after, 'routeswit_routing_decisions_total{outcome="assigned",reason="ROUTED"}')).toBeGreaterThan(value(before, 'routeswit_routing_decisions_total{outcome="assigned",reason="ROUTED"}'));
  // Requests by their route template, never by the lead's own path.
  await api.http.get(`/v1/leads/${lead.body.id}`).set(org.auth);
  const again = await scrape();
  expect(again).toMatch(/routeswit_http_request_duration_seconds_count\{method="GET",route="\/v1\/leads\/:id",status="200"\} \d+/);
  expect(again).not.toContain(lead.body.id);
});

it('reports each outbox depth and oldest item, and the database pool', async () => {
  const text = await scrape();
  for (const outbox of ['webhook_deliveries', 'notifications', 'crm_writes', 'crm_events']) {
    expect(text).toMatch(new RegExp(`routeswit_outbox_depth\\{outbox="${outbox}"\\} \\d+`));
    expect(text).toMatch(new RegExp(`routeswit_outbox_oldest_seconds\\{outbox="${outbox}"\\} [\\d.e+-]+`));
  }
  expect(text).toMatch(/routeswit_db_pool_connections\{pool="api",state="used"\} \d+/);
  expect(text).toMatch(/routeswit_process_resident_memory_bytes \d+/);
});

it('answers only /metrics', async () => {
  expect((await fetch(url.replace('/metrics', '/v1/leads'))).status).toBe(404);
});
