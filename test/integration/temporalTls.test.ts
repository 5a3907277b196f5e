import { NativeConnection } from '@temporalio/worker';
import { orgWithRules, startApi, startWorker, testConfig, type TestApi, type TestWorker } from '../helpers/stack';
import { testPki, tlsProxy, type TestPki } from '../helpers/tlsProxy';
import { describeConnectError } from '../../src/temporal/connect';

/**
 * Issue 27: Temporal behind TLS with client certificates (a self-hosted cluster, or Temporal Cloud with
 * certificates). A TLS-terminating proxy on loopback, in front of the suite's dev server, requires a client
 * certificate signed by a CA made here; the API and the worker reach Temporal only through it, with the SDK's
 * own settings (TEMPORAL_TLS_*), and a lead is routed end to end.
 */
let pki: TestPki;
let proxy: Awaited<ReturnType<typeof tlsProxy>>;
let api: TestApi;
let worker: TestWorker;
const queue = `tls-${process.pid}`;
let settings: Record<string, string>;

beforeAll(async () => {
  pki = testPki();
  proxy = await tlsProxy(testConfig().TEMPORAL_ADDRESS, pki);
  const client = pki.issue('routeswit', { client: true });
  settings = {
    TEMPORAL_ADDRESS: proxy.address,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert,
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
    TEMPORAL_TLS_CLIENT_CERT_PATH: client.cert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: client.key,
    TEMPORAL_TASK_QUEUE: queue,
  };
  api = startApi(settings);
  worker = await startWorker(queue, settings, { outbox: false });
});
afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await proxy?.close();
});

it('routes a lead end to end with the API and the worker connected over mTLS', async () => {
  const before = proxy.handshakes.ok;
  const { org, reps } = await orgWithRules(api, { rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] }, [{ teams: ['sdr'] }]);
  const lead = await api.http.post('/v1/leads?wait_ms=15000').set(org.auth).send({ email: 'over-tls@secure.io' });
  expect(lead.body).toMatchObject({ status: 'ASSIGNED', assigned_rep_id: reps[0] });
  expect(proxy.handshakes.ok).toBeGreaterThanOrEqual(before);
  expect(proxy.handshakes.ok).toBeGreaterThan(0);
  const ready = await api.http.get('/readyz');
  expect(ready.body.checks.temporal).toBe('ok');
}, 60_000);

async function connectError(overrides: Record<string, string>): Promise<{ message: string; permanent: boolean; ms: number }> {
  const config = testConfig({ ...settings, ...overrides });
  const started = Date.now();
  try {
    const c = await NativeConnection.connect(config.TEMPORAL_CONNECTION.options);
    await c.close();
    return { message: 'connected', permanent: false, ms: Date.now() - started };
  } catch (err) {
    return { ...describeConnectError(err, config.TEMPORAL_CONNECTION), ms: Date.now() - started };
  }
}

it('without a client certificate, fails at once naming the setting, not a hang', async () => {
  const r = await connectError({ TEMPORAL_TLS_CLIENT_CERT_PATH: '', TEMPORAL_TLS_CLIENT_KEY_PATH: '' });
  expect(r).toMatchObject({ permanent: true, message: expect.stringMatching(/TEMPORAL_TLS_CLIENT_CERT_PATH/) });
  expect(r.ms).toBeLessThan(30_000);
}, 60_000);

it('with a client certificate of another CA, fails the same way', async () => {
  const wrong = pki.stranger('intruder');
  const r = await connectError({ TEMPORAL_TLS_CLIENT_CERT_PATH: wrong.cert, TEMPORAL_TLS_CLIENT_KEY_PATH: wrong.key });
  expect(r).toMatchObject({ permanent: true, message: expect.stringMatching(/TEMPORAL_TLS_CLIENT_CERT_PATH/) });
  expect(proxy.handshakes.refused).toBeGreaterThan(0);
}, 60_000);

it('readiness says what is wrong when the API cannot reach Temporal, and stays ready (Postgres answers)', async () => {
  const wrong = pki.stranger('intruder');
  const misconfigured = startApi({ ...settings, TEMPORAL_TLS_CLIENT_CERT_PATH: wrong.cert, TEMPORAL_TLS_CLIENT_KEY_PATH: wrong.key });
  try {
    const res = await misconfigured.http.get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks.temporal).toMatch(/TEMPORAL_TLS_CLIENT_CERT_PATH/);
  } finally {
    await misconfigured.close();
  }
}, 60_000);

it('counts a handshake cut short, as the native client words it, as a refusal over TLS only', () => {
  // What a loaded machine showed instead of the TLS alert: the server reset the connection mid-handshake.
  const cut = new Error(`Failed to call GetSystemInfo: code: 'Unknown error', message: "transport error", source: tonic::transport::Error(Transport, hyper::Error(Io, Kind(ConnectionReset)))`);
  expect(describeConnectError(cut, { address: 'temporal:7233', tls: true }).permanent).toBe(true);
  expect(describeConnectError(cut, { address: 'temporal:7233', tls: false }).permanent).toBe(false);
  // And another: the server closed the connection while the client was still handshaking.
  const closed = new Error(`Failed to call GetSystemInfo: code: 'The operation was cancelled', message: "operation was canceled", source: tonic::transport::Error(Transport, hyper::Error(Canceled, "connection closed"))`);
  expect(describeConnectError(closed, { address: 'temporal:7233', tls: true }).permanent).toBe(true);
  expect(describeConnectError(closed, { address: 'temporal:7233', tls: false }).permanent).toBe(false);
});
