import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { createKey, hashToken } from '../../src/services/apiKeys';
import { createOperatorKey } from '../../src/services/operatorKeys';
import { moveOperatorKeys } from '../../migrations/20261206000002_operator_keys';
import { newOrg, startApi, startWorker, testConfig, type TestApi, type TestOrg, type TestWorker } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/**
 * Finding 6: lead PII must not sit in Temporal in clear text, and the codec endpoint that lets the Web UI
 * decode it must be reachable only with an operator key.
 */
let api: TestApi;
let worker: TestWorker;
let org: TestOrg;
let leadId: string;
let operatorKey: string;
const EMAIL = 'grace.hopper@pii-secret.io';

beforeAll(async () => {
  api = startApi({ RATE_LIMIT_PER_SECOND: '0' });
  worker = await startWorker();
  org = await newOrg(api.deps.db);
  await api.http.post('/v1/reps').set(org.auth).send({ name: 'Rep', email: 'rep@codec.io', teams: ['sdr'] });
  const rs = await api.http.post('/v1/rules').set(org.auth).send({ name: 'r', rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] });
  await api.http.post(`/v1/rules/${rs.body.id}/publish`).set(org.auth);
  const lead = await api.http.post('/v1/leads').set(org.auth).send({ email: EMAIL, first_name: 'Grace', last_name: 'Hopper', company: 'Navy' });
  expect(lead.body.status).toBe('ASSIGNED');
  leadId = lead.body.id;
  operatorKey = (await createOperatorKey(api.deps, 'ops')).secret;
});
afterAll(async () => {
  await worker.stop();
  await api.close();
});

/** The lead's history as the Temporal server stores it, read with no codec at all. */
async function rawHistory(): Promise<temporal.api.history.v1.IHistory> {
  const connection = await Connection.connect({ address: testConfig().TEMPORAL_ADDRESS });
  try {
    const res = await connection.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId: `lead-${leadId}` } });
    return res.history!;
  } finally {
    await connection.close();
  }
}

/**
 * Every payload in the history except search attributes, which Temporal must be able to index (ids and
 * statuses only), and the SDK core's own bookkeeping on markers (a local activity's sequence number, attempt
 * and type; a patch's id), which never passes through a codec; a local activity's result does.
 */
function payloadsIn(history: temporal.api.history.v1.IHistory): temporal.api.common.v1.IPayload[] {
  const found: temporal.api.common.v1.IPayload[] = [];
  const walk = (v: unknown) => {
    if (!v || typeof v !== 'object') return;
    if (v instanceof Uint8Array) return;
    if ('metadata' in v && 'data' in v) found.push(v as temporal.api.common.v1.IPayload);
    for (const [k, x] of Object.entries(v)) {
      if (k === 'searchAttributes') continue;
      // Of a marker, only the result (a local activity's) is ours; the rest is the SDK's own bookkeeping.
      if (k === 'markerRecordedEventAttributes') walk((x as { details?: { result?: unknown } }).details?.result);
      else walk(x);
    }
  };
  walk(history);
  return found;
}

const protoJson = (payloads: temporal.api.common.v1.IPayload[]) =>
  temporal.api.common.v1.Payloads.toObject(temporal.api.common.v1.Payloads.create({ payloads }), { bytes: String });

describe('payloads in Temporal', () => {
  it("are encrypted: the raw history holds no lead email or name", async () => {
    await waitFor(async () => (await rawHistory()).events!.length > 5, { what: 'history' });
    const history = await rawHistory();
    const raw = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
    expect(raw).not.toContain(EMAIL);
    expect(raw).not.toContain('Hopper');
    const payloads = payloadsIn(history);
    expect(payloads.length).toBeGreaterThan(0);
    for (const p of payloads) expect(Buffer.from(p.metadata!.encoding!).toString()).toBe('binary/encrypted');
  });
});

describe('secrets at rest', () => {
  it("a webhook's signing secret is stored sealed, not in clear", async () => {
    const created = await api.http.post('/v1/webhooks').set(org.auth).send({ url: 'http://127.0.0.1:9/hook', events: ['lead.assigned'] });
    const row = await api.deps.db('webhooks').where({ id: created.body.id }).first();
    expect(row.secret).toMatch(/^enc:v1:test1:/);
    expect(row.secret).not.toContain(created.body.secret);
  });
});

describe('the codec endpoint', () => {

  it('decodes for an operator key (Authorization header), so the lead is readable where it should be', async () => {
    const payloads = payloadsIn(await rawHistory());
    const res = await api.http.post('/codec/decode').set('Authorization', `Bearer ${operatorKey}`).set('X-Namespace', 'default').send(protoJson(payloads));
    expect(res.status).toBe(200);
    const decoded = res.body.payloads.map((p: { data?: string; metadata: { encoding: string } }) => ({
      encoding: Buffer.from(p.metadata.encoding, 'base64').toString(),
      data: Buffer.from(p.data ?? '', 'base64').toString(),
    }));
    // Back to the SDK's JSON: the activity inputs name the lead.
    expect(decoded.every((d: { encoding: string }) => d.encoding !== 'binary/encrypted')).toBe(true);
    expect(decoded.map((d: { data: string }) => d.data).join('\n')).toContain(leadId);
  });

  it('answers malformed ciphertext, an unknown key id or bad base64 with 422 in the error shape, not 500 (round 2, finding 13)', async () => {
    const b64 = (t: string) => Buffer.from(t).toString('base64');
    const encrypted = (keyId: string, data: string) => ({ metadata: { encoding: b64('binary/encrypted'), 'encryption-key-id': b64(keyId) }, data });
    const [real] = payloadsIn(await rawHistory());
    const keyId = Buffer.from(real!.metadata!['encryption-key-id']!).toString();
    for (const payload of [encrypted(keyId, b64('too short')), encrypted(keyId, b64('x'.repeat(64))), encrypted('no-such-key', b64('x'.repeat(64))), encrypted(keyId, '%%%not base64%%%')]) {
      const res = await api.http.post('/codec/decode').set('Authorization', `Bearer ${operatorKey}`).send({ payloads: [payload] });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/payloads\[0\]/), request_id: expect.any(String) });
    }
  });

  it('refuses a secret key (401/403 in the error shape) and no key at all', async () => {
    const body = protoJson(payloadsIn(await rawHistory()).slice(0, 1));
    // A tenant's key is no operator key, whatever it may do in its organization.
    const secret = await api.http.post('/codec/decode').set(org.auth).send(body);
    expect(secret.status).toBe(401);
    expect(secret.body.error).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/operator key/) });
    expect((await api.http.post('/codec/decode').send(body)).status).toBe(401);
  });

  it('cannot be granted through the API, only by the admin CLI', async () => {
    const res = await api.http.post('/v1/api-keys').set(org.auth).send({ name: 'sneaky', scopes: ['payloads:decode'] });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/operator scope/);
  });

  it('works for the Web UI: CORS for its origin with credentials, and a cookie session', async () => {
    const origin = new URL(testConfig().TEMPORAL_UI_URL).origin;
    const preflight = await api.http.options('/codec/decode').set('Origin', origin).set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'content-type,x-namespace');
    expect(preflight.headers['access-control-allow-origin']).toBe(origin);
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    const stranger = await api.http.options('/codec/decode').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST');
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();

    const session = await api.http.post('/codec/session').set('Authorization', `Bearer ${operatorKey}`);
    expect(session.status).toBe(200);
    const cookie = session.headers['set-cookie']![0]!;
    expect(cookie).toMatch(/HttpOnly/);
    const res = await api.http.post('/codec/decode').set('Cookie', cookie.split(';')[0]!).set('Origin', origin).send(protoJson(payloadsIn(await rawHistory())));
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(origin);
    const encodings = res.body.payloads.map((p: { metadata: { encoding: string } }) => Buffer.from(p.metadata.encoding, 'base64').toString());
    expect(encodings).not.toContain('binary/encrypted');
  });
});

/** Round 2, finding 12: operator keys live outside every tenant. */
describe('operator keys', () => {
  it('are neither listed nor revocable by a tenant\'s secret key, and open no tenant route', async () => {
    const made = await createOperatorKey(api.deps, 'ops 2');
    expect(made.id).toMatch(/^opk_/);
    const listed = await api.http.get('/v1/api-keys').set(org.auth);
    expect(JSON.stringify(listed.body)).not.toContain(made.id);
    expect((await api.http.delete(`/v1/api-keys/${made.id}`).set(org.auth)).status).toBe(404);
    expect((await api.http.get('/v1/reps').set('Authorization', `Bearer ${made.secret}`)).status).toBe(401);
    // It still decodes.
    const res = await api.http.post('/codec/decode').set('Authorization', `Bearer ${made.secret}`).send(protoJson(payloadsIn(await rawHistory()).slice(0, 1)));
    expect(res.status).toBe(200);
  });

  it('are never made inside an organization, not even by the admin CLI\'s path', async () => {
    await expect(createKey(api.deps, org.orgId, { name: 'ops', scopes: ['payloads:decode'] })).rejects.toThrow(/operator key/);
  });

  it('made inside a tenant before are moved out by the migration, keeping their token', async () => {
    const legacy = await newOrg(api.deps.db);
    const token = `rk_live_${'7'.repeat(40)}`;
    await api.deps.db('api_keys').insert({ id: 'key_0legacyoperator00000000', org_id: legacy.orgId, name: 'old ops', kind: 'RESTRICTED', token_hash: hashToken(token), token_hint: 'rk_live_…7777', scopes: ['payloads:decode'] });
    expect(await moveOperatorKeys(api.deps.db)).toBe(1);
    expect(JSON.stringify((await api.http.get('/v1/api-keys').set(legacy.auth)).body)).not.toContain('key_0legacyoperator');
    const res = await api.http.post('/codec/decode').set('Authorization', `Bearer ${token}`).send(protoJson(payloadsIn(await rawHistory()).slice(0, 1)));
    expect(res.status).toBe(200);
  });
});
