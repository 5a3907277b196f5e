import { newOrg, startApi, type TestApi, type TestOrg } from '../helpers/stack';

/**
 * The document and the server agree: each case is a disagreement an integrator found with outside tools
 * (Schemathesis, Redocly, openapi-typescript), reproduced here against the running API.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let api: TestApi;
let org: TestOrg;
let doc: Json;
beforeAll(async () => {
  api = startApi();
  org = await newOrg(api.deps.db);
  doc = (await api.http.get('/v1/openapi.json')).body;
});
afterAll(() => api.close());

const schemas = () => doc.components.schemas as Record<string, Json>;
const operations = () => Object.entries(doc.paths as Record<string, Record<string, Json>>).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));

describe('nullable fields', () => {
  it('a ruleset without fallback or SLA comes back with null, and the document allows null there', async () => {
    await api.http.post('/v1/reps').set(org.auth).send({ name: 'S', email: 's@acme.io', teams: ['sdr'] });
    const created = await api.http.post('/v1/rules').set(org.auth).send({ name: 'n', rules: [{ id: 'a', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] });
    expect(created.body).toMatchObject({ fallback: null, sla: null });
    for (const field of ['fallback', 'sla']) {
      expect(schemas().Ruleset!.properties[field].anyOf).toEqual([{ $ref: expect.stringMatching(/Action|Sla/) }, { type: 'null' }]);
    }
  });

  it('no shared component admits null on its own (nullability belongs to the field that refers to it)', () => {
    const nullable = Object.entries(schemas()).filter(([, s]) => Array.isArray(s.type) && s.type.includes('null'));
    expect(nullable.map(([name]) => name)).toEqual([]);
    expect(JSON.stringify(doc)).not.toContain('"allOf"');
  });
});

describe('external_id', () => {
  it('empty means absent: two leads with "" are two leads, stored without an external id', async () => {
    const a = await api.http.post('/v1/leads?wait_ms=0').set(org.auth).send({ email: 'e1@acme.io', external_id: '' });
    const b = await api.http.post('/v1/leads?wait_ms=0').set(org.auth).send({ email: 'e2@acme.io', external_id: '  ' });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.id).not.toBe(b.body.id);
    expect([a.body.external_id, b.body.external_id]).toEqual([null, null]);
  });
});

describe('constraints the server checks are in the document', () => {
  it('states uniqueness, pairs, either-or and syntax', () => {
    const s = schemas();
    expect(s.WebhookCreate!.properties.events.uniqueItems).toBe(true);
    expect(s.ApiKeyCreate!.properties.scopes.uniqueItems).toBe(true);
    expect(s.OrganizationUpdate!.properties.escalation_contacts.uniqueItems).toBe(true);
    expect(s.ActionInput!.properties.rep_ids.uniqueItems).toBe(true);
    expect(s.LeadInput!.properties.attributes.propertyNames.pattern).toBeDefined();
    const monday = s.WorkingHours!.properties.mon;
    expect(monday.items).toMatchObject({ minItems: 2, maxItems: 2 });
    expect(s.Condition!.oneOf).toHaveLength(4);
    expect(s.SimulateRequest!.dependentSchemas).toEqual({ ruleset_id: { properties: { ruleset: false } } });
    expect(s.ContactUpsert!.anyOf).toEqual([{ required: ['email'] }, { required: ['external_id'] }]);
    expect(s.LeadInput!.properties.email.pattern).toBeDefined();
    const key = doc.paths['/v1/leads'].post.parameters.find((p: Json) => p.name === 'Idempotency-Key');
    expect(new RegExp(key.schema.pattern).test('has space')).toBe(false);
  });

  it('a condition that is neither a group nor a comparison is refused, as the document says', async () => {
    const res = await api.http.post('/v1/rules').set(org.auth).send({ name: 'c', rules: [{ id: 'a', when: {}, then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toMatch(/^rules\[0\]\.when/);
  });
});

describe('lengths', () => {
  it('are checked on the text as sent, as the document\'s maxLength says, before it is trimmed', async () => {
    const padded = ` ${'x'.repeat(100)}`;
    const res = await api.http.post('/v1/rules/simulate').set(org.auth).send({ lead: { email: 'len@acme.io', state: padded } });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'lead.state' })]);
    expect(schemas().LeadInput!.properties.state.maxLength).toBe(100);
    const rep = await api.http.post('/v1/reps').set(org.auth).send({ name: '  Trimmed  ', email: 'trim@acme.io' });
    expect(rep.body.name).toBe('Trimmed');
    expect((await api.http.post('/v1/leads?wait_ms=0').set(org.auth).send({ email: 'dom@acme.io', domain: ' acme.com' })).status).toBe(422);
  });
});

describe('timestamps', () => {
  it('any RFC 3339 offset is a valid filter, not a 422 without details', async () => {
    const res = await api.http.get(`/v1/leads?created_after=${encodeURIComponent('2026-01-01T00:00:00+17:33')}`).set(org.auth);
    expect(res.status).toBe(200);
    const bad = await api.http.get('/v1/leads?created_after=yesterday').set(org.auth);
    expect(bad.status).toBe(422);
    expect(bad.body.error.details).toEqual([expect.objectContaining({ path: 'created_after' })]);
  });
});

describe('headers, statuses and public routes', () => {
  it('documents Link, Idempotent-Replayed, Retry-After and X-Request-Id, and the 503 of lead commands', () => {
    const resolve = (r: Json): Json => (r.$ref ? doc.components[r.$ref.split('/')[2]][r.$ref.split('/')[3]] : r);
    const headersOf = (r: Json) => Object.keys(resolve(r).headers);
    const leads = doc.paths['/v1/leads'];
    expect(headersOf(leads.get.responses['200'])).toEqual(expect.arrayContaining(['Link', 'X-Request-Id']));
    expect(headersOf(leads.post.responses['200'])).toContain('Idempotent-Replayed');
    expect(headersOf(leads.post.responses['429'])).toContain('Retry-After');
    expect(headersOf(leads.post.responses['422'])).toEqual(['X-Request-Id']);
    for (const path of ['/v1/leads/{id}/reassign', '/v1/leads/{id}/close', '/v1/contacts/{id}/activities']) {
      expect(headersOf(doc.paths[path].post.responses['503'])).toContain('Retry-After');
    }
    for (const path of ['/healthz', '/readyz', '/v1/openapi.json']) expect(doc.paths[path].get.security).toEqual([]);
  });

  it('sends the documented headers', async () => {
    await api.http.post('/v1/reps').set(org.auth).send({ name: 'H1', email: 'h1@acme.io' });
    await api.http.post('/v1/reps').set(org.auth).send({ name: 'H2', email: 'h2@acme.io' });
    const page = await api.http.get('/v1/reps?limit=1').set(org.auth);
    expect(page.headers.link).toMatch(/^<\/v1\/reps\?limit=1&cursor=[a-z0-9_]+>; rel="next"$/);
    expect(page.headers['x-request-id']).toBeTruthy();
  });
});

describe('OPTIONS', () => {
  it('advertises only what the server serves at the path', async () => {
    const allow = async (path: string) => (await api.http.options(path).set(org.auth)).headers.allow;
    expect(await allow('/v1/rules/active')).toBe('GET, HEAD, OPTIONS');
    expect(await allow('/v1/rules/simulate')).toBe('POST, OPTIONS');
    expect(await allow('/v1/rules/rul_0mijkl000abcdefghijklm')).toBe('GET, PATCH, DELETE, HEAD, OPTIONS');
  });

  it('a method a known path does not serve is 405 with Allow, not 404', async () => {
    const trace = await api.http.trace('/v1/leads').set(org.auth);
    expect(trace.status).toBe(405);
    expect(trace.headers.allow).toBe('GET, POST, HEAD, OPTIONS');
    expect(trace.body.error.code).toBe('METHOD_NOT_ALLOWED');
    const put = await api.http.put('/v1/rules/rul_0mijkl000abcdefghijklm').set(org.auth).send({});
    expect([put.status, put.headers.allow]).toEqual([405, 'GET, PATCH, DELETE, HEAD, OPTIONS']);
    expect((await api.http.put('/healthz')).status).toBe(405);
    // "active" is a path of its own, not a ruleset id: PATCH there is a method it does not serve.
    const patch = await api.http.patch('/v1/rules/active').set(org.auth).send({});
    expect([patch.status, patch.headers.allow]).toEqual([405, 'GET, HEAD, OPTIONS']);
    expect((await api.http.patch('/v1/rules/rul_0mijkl000abcdefghijklm').set(org.auth).send({})).status).toBe(404);
    expect((await api.http.get('/v1/nothing-here').set(org.auth)).status).toBe(404);
  });
});

describe('operations', () => {
  it('each has a unique operationId and a declared tag; info names a contact', () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = new Set((doc.tags as Json[]).map((t) => t.name));
    expect(operations().filter(({ op }) => !tags.has(op.tags[0])).map(({ path }) => path)).toEqual([]);
    expect(doc.info.contact.name).toBeTruthy();
  });
});

describe('defaults', () => {
  it('are optional in requests and always present in responses', () => {
    const s = schemas();
    expect(s.SlaInput!.required).toEqual(['first_touch_minutes']);
    expect(s.SlaInput!.properties.max_reassignments.default).toBe(3);
    expect(s.Sla!.required).toEqual(expect.arrayContaining(['first_touch_minutes', 'business_hours', 'escalations', 'max_reassignments']));
    expect(JSON.stringify(s.RulesetCreate)).toContain('#/components/schemas/RuleInput');
    expect(JSON.stringify(s.Ruleset)).not.toContain('Input"');
  });
});

describe('query parameters', () => {
  it('wait_ms is an integer and nothing else', async () => {
    const wait = doc.paths['/v1/leads'].post.parameters.find((p: Json) => p.name === 'wait_ms');
    expect(wait.schema.type).toBe('integer');
    expect((await api.http.post('/v1/leads?wait_ms=null').set(org.auth).send({ email: 'w@acme.io' })).status).toBe(422);
  });

  it('an unknown one is refused with 422 naming it, not silently ignored', async () => {
    const res = await api.http.get('/v1/leads?company=acme').set(org.auth);
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([{ path: 'company', message: expect.stringContaining('not a parameter here') }]);
    const none = await api.http.post('/v1/reps?debug=1').set(org.auth).send({ name: 'Q', email: 'q@acme.io' });
    expect(none.status).toBe(422);
  });
});
