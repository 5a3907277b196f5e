import { newOrg, startApi, apiSuite } from '../helpers/stack';

const suite = apiSuite();

function expectShape(res: { status: number; body: any }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({
    error: expect.objectContaining({ code, message: expect.any(String), request_id: expect.stringMatching(/^req_/) }),
  });
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+|node_modules|SELECT |knex/);
}

describe('unknown routes', () => {
  it.each([
    ['get', '/'],
    ['get', '/v1'],
    ['get', '/v1/nope'],
    ['get', '/v1/reps/%E0%A4%A'],
    ['get', '/v1/reps/..%2F..%2Fetc'],
    // A trailing slash is a rep with an empty id, not the list (Schemathesis followed a link to it).
    ['get', '/v1/reps/'],
    ['patch', '/v1/reps/'],
  ])('%s %s is 404 NOT_FOUND in the error shape', async (method, path) => {
    const res = await (suite.api.http as any)[method](path).set(suite.org.auth);
    expectShape(res, 404, 'NOT_FOUND');
  });

  it.each([
    ['post', '/v1/reps/rep_0000000000000000000000', 'GET, PATCH, DELETE, HEAD, OPTIONS'],
    ['put', '/v1/reps', 'GET, POST, HEAD, OPTIONS'],
  ])('%s %s, a method the path does not serve, is 405 METHOD_NOT_ALLOWED with Allow', async (method, path, allow) => {
    const res = await (suite.api.http as any)[method](path).set(suite.org.auth);
    expectShape(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe(allow);
  });
});

describe('bodies that are not what the route takes', () => {
  const send = (raw: string, type = 'application/json') =>
    suite.api.http.post('/v1/reps').set(suite.org.auth).set('Content-Type', type).send(raw);

  it.each([
    ['truncated JSON', '{"name": "x", "email":'],
    ['single quotes', "{'name': 'x'}"],
    ['a bare string', '"hello"'],
    ['a bare number', '42'],
    ['trailing comma', '{"name": "x",}'],
  ])('malformed JSON (%s) is 422 VALIDATION_ERROR', async (_what, raw) => {
    const res = await send(raw);
    expectShape(res, 422, 'VALIDATION_ERROR');
  });

  it.each([
    ['an array', '[]'],
    ['null', 'null'],
    ['an empty body', ''],
    ['wrong types everywhere', '{"name": 1, "email": [], "teams": {}, "weight": "heavy"}'],
  ])('%s is 422 with details', async (_what, raw) => {
    const res = await send(raw);
    expectShape(res, 422, 'VALIDATION_ERROR');
    expect(res.body.error.details.length).toBeGreaterThan(0);
  });

  it('a non-JSON content type is 422 and says what to send', async () => {
    const res = await send('name=x&email=a@b.co', 'application/x-www-form-urlencoded');
    expectShape(res, 422, 'VALIDATION_ERROR');
    expect(res.body.error.message).toMatch(/application\/json/);
    const text = await send('{"name":"x","email":"a@b.co"}', 'text/plain');
    expectShape(text, 422, 'VALIDATION_ERROR');
  });

  it('a body over 1 MB is 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await send(JSON.stringify({ name: 'x'.repeat(1_100_000), email: 'a@b.co' }));
    expectShape(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('JSON nested ten thousand levels deep is 422, and the server lives on', async () => {
    const deep = '{"name":"x","email":"a@b.co","teams":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}';
    expectShape(await send(deep), 422, 'VALIDATION_ERROR');
    expect((await suite.api.http.get('/healthz')).status).toBe(200);
  });

  it('NUL characters, which Postgres cannot store, are 422 not 500', async () => {
    expectShape(await send(JSON.stringify({ name: 'a\u0000b', email: 'a@b.co' })), 422, 'VALIDATION_ERROR');
    expectShape(await suite.api.http.get('/v1/reps?team=%00').set(suite.org.auth), 422, 'VALIDATION_ERROR');
  });

  it('lone surrogates and other odd unicode are stored without error', async () => {
    const res = await send(JSON.stringify({ name: 'Zoë \ud800 😀 \u202e', email: 'unicode@b.co' }));
    expect(res.status).toBe(200);
  });

  it('huge strings in fields are refused by length, not by the database', async () => {
    const res = await send(JSON.stringify({ name: 'x'.repeat(5000), email: 'a@b.co' }));
    expectShape(res, 422, 'VALIDATION_ERROR');
    expect(res.body.error.details[0].path).toBe('name');
  });

  it('numbers beyond the column range are 422', async () => {
    const res = await send(JSON.stringify({ name: 'x', email: 'big@b.co', max_open_leads: 1e20 }));
    expectShape(res, 422, 'VALIDATION_ERROR');
  });
});

describe('Idempotency-Key on POST', () => {
  it('replays the first response for the same key and body, and creates one rep', async () => {
    const body = { name: 'Idem', email: 'idem@company.com' };
    const first = await suite.api.http.post('/v1/reps').set(suite.org.auth).set('Idempotency-Key', 'create-idem-1').send(body);
    const second = await suite.api.http.post('/v1/reps').set(suite.org.auth).set('Idempotency-Key', 'create-idem-1').send(body);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const reps = await suite.api.http.get('/v1/reps?email=idem@company.com').set(suite.org.auth);
    expect(reps.body).toHaveLength(1);
  });

  it('answers 409 when the key is reused with a different body', async () => {
    await suite.api.http.post('/v1/reps').set(suite.org.auth).set('Idempotency-Key', 'k-2').send({ name: 'A', email: 'k2a@company.com' });
    const res = await suite.api.http.post('/v1/reps').set(suite.org.auth).set('Idempotency-Key', 'k-2').send({ name: 'B', email: 'k2b@company.com' });
    expectShape(res, 409, 'CONFLICT');
  });

  it('does not remember a validation failure, so the corrected retry goes through', async () => {
    const bad = await suite.api.http.post('/v1/reps').set(suite.org.auth).set('Idempotency-Key', 'k-3').send({ name: 'A' });
    expect(bad.status).toBe(422);
    const good = await suite.api.http.post('/v1/reps').set(suite.org.auth).set('Idempotency-Key', 'k-3').send({ name: 'A', email: 'k3@company.com' });
    expect(good.status).toBe(200);
  });

  it('scopes keys per organization', async () => {
    const other = await newOrg(suite.api.deps.db);
    const a = await suite.api.http.post('/v1/reps').set(suite.org.auth).set('Idempotency-Key', 'shared').send({ name: 'A', email: 'sa@company.com' });
    const b = await suite.api.http.post('/v1/reps').set(other.auth).set('Idempotency-Key', 'shared').send({ name: 'B', email: 'sb@company.com' });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.body.id).not.toBe(a.body.id);
  });

  it('refuses an unprintable or overlong key with 422', async () => {
    const res = await suite.api.http.post('/v1/reps').set(suite.org.auth).set('Idempotency-Key', 'x'.repeat(300)).send({ name: 'A', email: 'long@company.com' });
    expectShape(res, 422, 'VALIDATION_ERROR');
  });
});

describe('public endpoints', () => {
  it('serves /healthz without a key', async () => {
    expect((await suite.api.http.get('/healthz')).body).toEqual({ status: 'ok' });
  });

  it('reports /readyz 200 when Postgres and Temporal answer', async () => {
    const res = await suite.api.http.get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ postgres: 'ok', temporal: 'ok' });
  });

  // Every replica shares Temporal: taking them all out of service when it blips would refuse leads that
  // Postgres can hold until it is back, so /readyz stays 200 and names Temporal in its checks.
  it('reports /readyz 200 naming Temporal when only Temporal does not answer', async () => {
    const broken = startApi({ TEMPORAL_ADDRESS: '127.0.0.1:1' });
    try {
      const res = await broken.http.get('/readyz');
      expect(res.status).toBe(200);
      expect(res.body.checks.postgres).toBe('ok');
      expect(res.body.checks.temporal).toMatch(/TEMPORAL_ADDRESS/);
    } finally {
      await broken.close();
    }
  });
});

describe('every write route refuses malformed bodies with 4xx, never 5xx', () => {
  const routes = [
    '/v1/leads',
    '/v1/leads/lead_0000000000000000000000/reassign',
    '/v1/leads/lead_0000000000000000000000/close',
    '/v1/rules',
    '/v1/rules/simulate',
    '/v1/rules/rs_0000000000000000000000/publish',
    '/v1/contacts',
    '/v1/contacts/ct_0000000000000000000000/activities',
    '/v1/reps',
    '/v1/api-keys',
  ];
  const bodies: unknown[] = [
    {},
    [],
    { email: 42 },
    { email: 'a@b.co', employees: -5 },
    { email: 'a@b.co', score: 'high' },
    { email: 'a@b.co', attributes: [1, 2] },
    { email: 'a@b.co', attributes: { a: { b: { c: 1 } } } },
    { name: 'x', rules: [{ id: 'r', when: { field: 'country', op: 'in', value: 'DE' }, then: { strategy: 'ROUND_ROBIN', team: 'x' } }] },
    { name: 'x', rules: 'all of them' },
    { lead: { email: 'a@b.co' }, ruleset: { rules: [{ id: 'r', then: { strategy: 'DIRECT' } }] } },
    { rep_id: 'rep_../../etc/passwd' },
    { reason: '' },
    { type: 'CALL', rep_id: 12 },
    { name: 'x'.repeat(100_000) },
    { email: 'a@b.co', external_id: { $ne: null } },
  ];
  it.each(routes)('POST %s', async (path) => {
    for (const body of bodies) {
      const res = await suite.api.http.post(path).set(suite.org.auth).send(body as object);
      expect({ path, body, status: res.status }).toEqual({ path, body, status: expect.any(Number) });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body.error.request_id).toMatch(/^req_/);
    }
  });
});
