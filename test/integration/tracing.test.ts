import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { freePort } from '../../src/dev/temporalServer';
import { freshDatabase } from '../helpers/database';
import { newOrg, startApi, type TestApi } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/**
 * Issue 31: one lead's whole trace, as an operator's collector receives it. The API and the worker run as their
 * own processes with the standard OTEL_* variables pointing at a local OTLP receiver; the caller's traceparent
 * is continued from the request, through the workflow and the routing activity with its SQL, to the webhook
 * delivery, whose receiver is called within the same trace.
 */
const root = path.resolve(__dirname, '..', '..');
const taskQueue = `tracing-${process.pid}-${Date.now()}`;

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
  attributes: Record<string, unknown>;
}

/** An OTLP/HTTP JSON receiver: what an OpenTelemetry Collector would take in. */
async function otlpReceiver(): Promise<{ url: string; spans: Span[]; close(): void }> {
  const spans: Span[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const doc = JSON.parse(body) as { resourceSpans: Array<{ resource: { attributes: Attr[] }; scopeSpans: Array<{ spans: Array<Omit<Span, 'service' | 'attributes'> & { attributes: Attr[] }> }> }> };
      for (const rs of doc.resourceSpans) {
        const service = String(valuesOf(rs.resource.attributes)['service.name']);
        for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, service, attributes: valuesOf(s.attributes) });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, close: () => server.close() };
}

type Attr = { key: string; value: Record<string, unknown> };
const valuesOf = (attrs: Attr[]) => Object.fromEntries(attrs.map((a) => [a.key, Object.values(a.value)[0]]));

function start(entry: string, env: Record<string, string>, log: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => log.push(...d.toString().split('\n').filter(Boolean)));
  child.stderr!.on('data', (d: Buffer) => log.push(...d.toString().split('\n').filter(Boolean)));
  return child;
}

let helper: TestApi;
let collector: Awaited<ReturnType<typeof otlpReceiver>>;
const children: ChildProcess[] = [];
let hookServer: http.Server;
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  collector?.close();
  hookServer?.close();
  await helper?.close();
});

it('follows one lead from the request through its workflow, routing and SQL to the webhook call', async () => {
  // A database of its own: outbox rows name no task queue, so other files' dispatchers on the shared database
  // would hand this lead's delivery to their own, untraced workers.
  const databaseUrl = process.env.DATABASE_URL!.replace(/\/[^/]*$/, '/routeswit_test_tracing');
  await freshDatabase(databaseUrl);
  helper = startApi({ TEMPORAL_TASK_QUEUE: taskQueue, RATE_LIMIT_PER_SECOND: '0', DATABASE_URL: databaseUrl });
  collector = await otlpReceiver();
  const calls: http.IncomingHttpHeaders[] = [];
  hookServer = http.createServer((req, res) => {
    calls.push(req.headers);
    req.resume().on('end', () => res.writeHead(200).end('ok'));
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));

  const org = await newOrg(helper.deps.db);
  await helper.http.post('/v1/reps').set(org.auth).send({ name: 'Tracy', email: `tracy-${Date.now()}@t.io`, teams: ['t'] });
  const rs = await helper.http.post('/v1/rules').set(org.auth).send({ name: 't', rules: [{ id: 'everyone', then: { strategy: 'ROUND_ROBIN', team: 't' } }] });
  await helper.http.post(`/v1/rules/${rs.body.id}/publish`).set(org.auth);
  // A receiver whose URL holds its secret, as Slack's and many others' do: it must not reach the trace.
  await helper.http.post('/v1/webhooks').set(org.auth).send({ url: `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook/s3cr3t-path-token`, events: ['lead.assigned'] });

  const otel = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.url}/v1/traces`, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' };
  const common = { ...otel, TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'info', DATABASE_URL: databaseUrl };
  const apiPort = await freePort();
  const [apiLog, workerLog]: string[][] = [[], []];
  children.push(start('src/api/main.ts', { ...common, PORT: String(apiPort), HOST: '127.0.0.1', RATE_LIMIT_PER_SECOND: '0' }, apiLog));
  children.push(start('src/worker/main.ts', { ...common, WORKFLOW_BUNDLE_PATH: process.env.TEST_WORKFLOW_BUNDLE!, WORKER_HEALTH_PORT: String(await freePort()) }, workerLog));
  const base = `http://127.0.0.1:${apiPort}`;
  await waitFor(async () => (await fetch(`${base}/healthz`).then((r) => r.ok).catch(() => false)) || null, { timeoutMs: 60_000, what: 'the traced API' });
  await waitFor(async () => workerLog.some((l) => l.includes('worker polling')) || null, { timeoutMs: 60_000, what: 'the traced worker' });

  // The caller's own trace and request id.
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const callerSpan = '00f067aa0ba902b7';
  const res = await fetch(`${base}/v1/leads?wait_ms=15000`, {
    method: 'POST',
    headers: { ...org.auth, 'content-type': 'application/json', traceparent: `00-${traceId}-${callerSpan}-01`, 'x-request-id': 'caller-req-42' },
    body: JSON.stringify({ email: 'traced@t.io' }),
  });
  const lead = (await res.json()) as { id: string; status: string };
  expect({ status: lead.status, requestId: res.headers.get('x-request-id') }).toEqual({ status: 'ASSIGNED', requestId: 'caller-req-42' });

  // The webhook receiver is called within the caller's trace.
  const hook = await waitFor(async () => calls.find((h) => String(h.traceparent ?? '').includes(traceId)) ?? null, { timeoutMs: 30_000, what: 'the webhook call in the trace' });
  expect(hook['traceparent']).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  const spanNames = () => collector.spans.filter((s) => s.traceId === traceId).map((s) => s.name);
  const hookCall = (s: Span) => s.traceId === traceId && s.service === 'routeswit-worker' && s.name === 'POST' && s.attributes['net.peer.name'] === '127.0.0.1';
  await waitFor(async () => (collector.spans.some(hookCall) ? true : null), { timeoutMs: 20_000, what: 'the webhook call span exported' });
  // A search by the lead's account, in the same trace: the query stays out of it.
  const search = await fetch(`${base}/v1/leads?account=traced-account.io`, { headers: { ...org.auth, traceparent: `00-${traceId}-${callerSpan}-01` } });
  expect(search.status).toBe(200);

  // The lead workflow's own span ends when the lead's process does: closing the lead completes the tree.
  const closed = await fetch(`${base}/v1/leads/${lead.id}/close`, { method: 'POST', headers: { ...org.auth, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'won' }) });
  expect(closed.status).toBe(200);
  await waitFor(async () => (spanNames().includes('RunWorkflow:leadWorkflow') ? true : null), { timeoutMs: 20_000, what: "the lead workflow's span exported" });
  // Each process exports in batches of its own: the webhook can be delivered (the dispatcher's first attempt,
  // milliseconds after the routing) before the API has exported the request that routed the lead.
  const apiRequest = (s: Span) => s.traceId === traceId && s.service === 'routeswit-api' && s.parentSpanId === callerSpan;
  await waitFor(async () => (collector.spans.some(apiRequest) ? true : null), { timeoutMs: 20_000, what: "the API request's span exported" });

  const spans = collector.spans.filter((s) => s.traceId === traceId);
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const one = (what: string, test: (s: Span) => boolean) => {
    const found = spans.filter(test);
    if (!found.length) throw new Error(`no span for ${what} among: ${spans.map((s) => `${s.service}:${s.name}`).join(', ')}`);
    return found[0]!;
  };
  /** Walks up the parents: every span named must descend from the caller's span. */
  const ancestry = (s: Span): string[] => {
    const names: string[] = [];
    for (let p: Span | undefined = s; p; p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined) names.push(p.name);
    return names;
  };
  const request = one('the API request', apiRequest);
  expect(request.attributes['routeswit.request_id']).toBe('caller-req-42');
  const started = one('starting the lead workflow', (s) => s.name === 'UpdateWithStartWorkflow:decision');
  const run = one('the lead workflow', (s) => s.name === 'RunWorkflow:leadWorkflow');
  const routing = one('the routing activity', (s) => s.name === 'RunActivity:routeLead');
  const sql = one("the routing activity's SQL", (s) => s.attributes['db.system'] === 'postgresql' && ancestry(s).includes('RunActivity:routeLead'));
  // The receiver took the first attempt, which the worker's dispatcher makes itself (no delivery workflow).
  const deliver = one("the dispatcher's first attempt", (s) => s.name === 'FirstAttempt:webhook_deliveries');
  const call = one('the call to the receiver', hookCall);
  for (const s of [started, run, routing, sql, deliver, call]) expect(ancestry(s)).toContain(request.name);
  expect(ancestry(call)).toEqual(expect.arrayContaining(['FirstAttempt:webhook_deliveries', 'RunActivity:routeLead', 'RunWorkflow:leadWorkflow']));
  // Statements are traced, never the lead's values; URLs without their query or a receiver's path.
  await waitFor(async () => (collector.spans.some((s) => s.traceId === traceId && s.attributes['http.method'] === 'GET') ? true : null), { what: 'the search span exported' });
  const exported = JSON.stringify(collector.spans.filter((s) => s.traceId === traceId));
  expect(exported).not.toContain('traced@t.io');
  expect(exported).not.toContain('traced-account');
  expect(exported).not.toContain('s3cr3t');

  // The log lines of both processes name the trace, the request, the organization and the lead.
  const lines = [...apiLog, ...workerLog].filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const access = lines.find((l) => l.msg === 'request' && l.request_id === 'caller-req-42');
  expect(access).toMatchObject({ trace_id: traceId, org_id: org.orgId, lead_id: lead.id });
  const decided = lines.find((l) => l.msg === 'lead routed' && l.lead_id === lead.id);
  expect(decided).toMatchObject({ trace_id: traceId, request_id: 'caller-req-42', org_id: org.orgId, outcome: 'assigned' });
}, 120_000);
