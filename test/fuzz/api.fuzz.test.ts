import http from 'node:http';
import fc from 'fast-check';
import { allRoutes } from '../../src/api/app';
import { createServer, listen } from '../../src/api/server';
import { newOrg, startApi, startWorker, type TestApi, type TestOrg, type TestWorker } from '../helpers/stack';

/**
 * Sends thousands of generated malformed requests at every route and checks that none gets a 5xx and that
 * the process keeps answering. Wrong types, missing and unknown fields, huge strings, deep JSON, invalid
 * UTF-8, wrong content types, bad ids and bad query parameters, with and without valid keys.
 */
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 5000);

let api: TestApi;
let worker: TestWorker;
let org: TestOrg;
let server: http.Server;
let port: number;
const ids: Record<string, string> = {};

beforeAll(async () => {
  // Its own task queue and worker: the leads, reassignments and closes the fuzzer gets right really happen.
  const taskQueue = `fuzz-${process.pid}`;
  // A fifth of the requests carry a bad key on purpose: the failed-authentication limit would soon answer 429 to all.
  api = startApi({ RATE_LIMIT_PER_SECOND: '0', AUTH_FAILURES_PER_MINUTE: '0', TEMPORAL_TASK_QUEUE: taskQueue });
  worker = await startWorker(taskQueue);
  org = await newOrg(api.deps.db);
  server = createServer(api.app, api.deps.config);
  port = await listen(server, 0, '127.0.0.1');
  const rep = await api.http.post('/v1/reps').set(org.auth).send({ name: 'Fuzz', email: 'fuzz@x.io', teams: ['sdr'] });
  ids.rep = rep.body.id;
  ids.contact = (await api.http.post('/v1/contacts').set(org.auth).send({ email: 'c@x.io' })).body.id;
  ids.ruleset = (await api.http.post('/v1/rules').set(org.auth).send({ name: 'f', rules: [{ id: 'a', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] })).body.id;
  ids.lead = (await api.http.post('/v1/leads').set(org.auth).send({ email: 'l@x.io' })).body.id;
  // A spare key for DELETE /v1/api-keys/:id: revoking the fuzzer's own key would end the run at 401s.
  ids.key = (await api.http.post('/v1/api-keys').set(org.auth).send({ name: 'spare' })).body.id;
});
afterAll(async () => {
  server.close();
  await worker.stop();
  await api.close();
});

interface Raw {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

function send(r: Raw): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: r.method, path: r.path, headers: r.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (r.body) req.write(r.body);
    req.end();
  });
}

const VALID_BODIES: Record<string, object> = {
  '/v1/leads': { email: 'a@b.io', country: 'DE', employees: 10, attributes: { plan: 'x' } },
  '/v1/reps': { name: 'R', email: 'r@b.io', teams: ['sdr'], working_hours: { mon: [['09:00', '17:00']] } },
  '/v1/rules': { name: 'n', rules: [{ id: 'a', when: { field: 'country', op: 'eq', value: 'DE' }, then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] },
  '/v1/rules/simulate': { lead: { email: 'a@b.io' } },
  '/v1/contacts': { email: 'c@b.io', name: 'C' },
  '/v1/api-keys': { name: 'k', scopes: ['reps:read'] },
  activities: { type: 'CALL', rep_id: 'REP' },
  reassign: { rep_id: 'REP' },
  close: { reason: 'done' },
};

const weird = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '\uffff'),
  fc.constantFrom('', ' ', '%00', '%E0%A4%A', '..%2F..', 'null', '-1', '1e309', 'rep_', 'lead_' + 'z'.repeat(22), '\u202e', '😀'.repeat(50), 'x'.repeat(5000)),
);

/** Percent-encodes every byte: unlike encodeURIComponent it accepts lone surrogates. */
const enc = (v: string) => [...Buffer.from(v, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

const idFor = (kind: string) => fc.oneof(fc.constant(ids[kind] ?? 'x'), weird.map(enc), fc.constantFrom('rep_0000000000000000000000', 'lead_0000000000000000000000'));

function pathFor(template: string): fc.Arbitrary<string> {
  const parts = template.split('/').map((seg) => (seg === ':id' ? null : seg));
  const kind = template.includes('/reps') ? 'rep' : template.includes('/contacts') ? 'contact' : template.includes('/rules') ? 'ruleset' : template.includes('/leads') ? 'lead' : 'key';
  return idFor(kind).map((id) => parts.map((p) => p ?? id).join('/'));
}

const query = fc.oneof(
  fc.constant(''),
  fc.dictionary(fc.constantFrom('limit', 'cursor', 'status', 'team', 'rep_id', 'created_after', 'email', 'wait_ms', 'include_inactive', 'x'), weird, { maxKeys: 4 }).map(
    (q) => '?' + Object.entries(q).map(([k, v]) => `${k}=${enc(v)}`).join('&'),
  ),
  fc.constantFrom('?limit=1&limit=2', '?status[]=A', '?limit=%00', '?cursor=' + 'a'.repeat(3000), '?wait_ms=99999999', '?created_after=2026-13-45'),
);

/** A body for `path`: mostly a valid one bent out of shape, sometimes something else entirely. */
function bodyFor(template: string): fc.Arbitrary<Buffer | undefined> {
  const key = template.endsWith('/activities') ? 'activities' : template.endsWith('/reassign') ? 'reassign' : template.endsWith('/close') ? 'close' : template;
  const valid = JSON.parse(JSON.stringify(VALID_BODIES[key] ?? {}).replace('REP', ids.rep ?? '')) as Record<string, unknown>;
  const fields = Object.keys(valid);
  const mutated = fc
    .record({
      field: fc.constantFrom(...(fields.length ? fields : ['x']), 'unknown_field', '__proto__', 'constructor'),
      value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(null), fc.string({ minLength: 2000, maxLength: 3000 }), weird),
      drop: fc.boolean(),
    })
    .map(({ field, value, drop }) => {
      const copy: Record<string, unknown> = { ...valid };
      if (drop) delete copy[field];
      else copy[field] = value;
      return Buffer.from(JSON.stringify(copy));
    });
  const deep = fc.integer({ min: 50, max: 20000 }).map((n) => Buffer.from('{"a":' + '['.repeat(n) + ']'.repeat(n) + '}'));
  const invalidUtf8 = fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => Buffer.concat([Buffer.from('{"email":"'), Buffer.from(b), Buffer.from('"}')]));
  return fc.oneof(
    { weight: 6, arbitrary: mutated },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: invalidUtf8 },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

const contentType = fc.constantFrom('application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/vnd.api+json', '');

const auth = (): fc.Arbitrary<string | undefined> => fc.oneof({ weight: 8, arbitrary: fc.constant(`Bearer ${org.key}`) }, fc.constant(undefined), fc.constantFrom('Bearer ', 'Bearer sk_live_x', 'Basic abc', `Bearer ${org.key}x`, 'bearer  ' + org.key));

function requestArb(): fc.Arbitrary<Raw> {
  const routes = allRoutes();
  return fc.constantFrom(...routes).chain((r) =>
    fc
      .record({ path: pathFor(r.path), q: query, body: r.method === 'post' || r.method === 'patch' ? bodyFor(r.path) : fc.constant(undefined), ct: contentType, auth: auth(), idem: fc.option(fc.oneof(weird, fc.constant('k-1')), { nil: undefined }) })
      .map(({ path, q, body, ct, auth: a, idem }) => {
        const headers: Record<string, string> = {};
        if (a) headers.authorization = a;
        if (body) {
          if (ct) headers['content-type'] = ct;
          headers['content-length'] = String(body.length);
        }
        if (idem !== undefined && /^[\x20-\x7e]*$/.test(idem)) headers['idempotency-key'] = idem;
        return { method: r.method.toUpperCase(), path: path + q, headers, body };
      }),
  );
}

describe('fuzzing every route', () => {
  it(`answers ${REQUESTS} malformed requests without a single 5xx, and stays up`, async () => {
    const samples = fc.sample(requestArb(), { numRuns: REQUESTS, seed: Number(process.env.FUZZ_SEED ?? 20261128) });
    const failures: Array<{ req: Raw; status: number; body: string }> = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < samples.length; i += 16) {
      const batch = samples.slice(i, i + 16);
      const results = await Promise.all(batch.map((r) => send(r)));
      results.forEach((res, j) => {
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) failures.push({ req: { ...batch[j]!, body: batch[j]!.body?.subarray(0, 300) }, status: res.status, body: res.body.slice(0, 300) });
      });
    }
    expect(failures.slice(0, 5)).toEqual([]);
    expect(samples.length).toBe(REQUESTS);
    // Most requests must get past authentication, or the fuzzing would only test the 401 path.
    const past401 = [...statuses.entries()].filter(([s]) => s !== 401).reduce((a, [, n]) => a + n, 0);
    expect(past401).toBeGreaterThan(REQUESTS * 0.6);
    expect((await send({ method: 'GET', path: '/healthz', headers: {} })).status).toBe(200);
  }, 300_000);
});
