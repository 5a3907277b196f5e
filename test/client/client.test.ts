import http from 'node:http';
import { nextCursor, routeswitClient, whole, type RouteswitClient, type Schemas } from '../../clients/typescript/src';
import { newOrg, restrictedKey, startApi, startWorker, type TestApi, type TestWorker } from '../helpers/stack';

/**
 * The main flow of an integration, through the generated client over real HTTP, exactly as an integrator
 * writes it: no casts anywhere, so `tsc --strict` (npm run build) proves the types fit the server's answers.
 */
let api: TestApi;
let worker: TestWorker;
let server: http.Server;
let client: RouteswitClient;
let baseUrl: string;
let orgId: string;

beforeAll(async () => {
  api = startApi();
  worker = await startWorker();
  server = http.createServer(api.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const org = await newOrg(api.deps.db);
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the test server has no TCP address');
  baseUrl = `http://127.0.0.1:${address.port}`;
  orgId = org.orgId;
  client = routeswitClient({ baseUrl, apiKey: org.key });
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await worker.stop();
  await api.close();
});

describe('the typed client', () => {
  it('creates reps and a ruleset, publishes it, routes a lead, logs the first touch and lists leads', async () => {
    const reps: Array<{ id: string; status: Schemas['RepStatus'] }> = [];
    for (const name of ['Ann', 'Bob']) {
      const { data, error } = await client.POST('/v1/reps', { body: { name, email: `${name.toLowerCase()}@client.io`, teams: ['sdr'] } });
      expect(error).toBeUndefined();
      const rep = whole(data);
      if (rep) reps.push({ id: rep.id, status: rep.status });
    }
    expect(reps.map((r) => r.status)).toEqual(['AVAILABLE', 'AVAILABLE']);

    const rules: Schemas['RulesetCreate'] = {
      name: 'Inbound',
      // Only what matters here: the SLA's defaults (business_hours, escalations, max_reassignments) may be left out.
      rules: [{ id: 'enterprise', when: { field: 'employees', op: 'gte', value: 500 }, then: { strategy: 'ROUND_ROBIN', team: 'sdr', sla: { first_touch_minutes: 30 } } }],
      fallback: { strategy: 'ROUND_ROBIN', team: 'sdr' },
    };
    const draft = whole((await client.POST('/v1/rules', { body: rules })).data);
    const rulesetId = draft?.id ?? '';
    expect(draft?.status).toBe('DRAFT');
    // Read back, the defaults are there and typed as present.
    expect(draft?.rules[0]?.then.sla?.max_reassignments).toBe(3);
    const published = await client.POST('/v1/rules/{id}/publish', { params: { path: { id: rulesetId } } });
    expect(published.data?.status).toBe('ACTIVE');

    const lead = await client.POST('/v1/leads', { params: { query: { wait_ms: 10_000 } }, body: { email: 'cto@bigco.io', company: 'BigCo', employees: 2000 } });
    expect(lead.error).toBeUndefined();
    const created = whole(lead.data);
    if (!created) throw new Error('expected the lead');
    expect(created.status).toBe('ASSIGNED');
    expect(reps.map((r) => r.id)).toContain(created.assigned_rep_id);
    expect(created.routing?.rule_id).toBe('enterprise');

    // The seed's own activity example: no rep_id, attributed to the rep who holds the lead.
    const touch = await client.POST('/v1/contacts/{id}/activities', { params: { path: { id: created.contact_id } }, body: { type: 'CALL', notes: 'Discussed expansion to 50 seats.', outcome: 'POSITIVE' } });
    expect(touch.data).toMatchObject({ first_touch: true, first_touch_reason: null, rep_id: created.assigned_rep_id });

    const detail = await client.GET('/v1/leads/{id}', { params: { path: { id: created.id } } });
    expect(detail.data?.status).toBe('CONTACTED');
    expect(detail.data?.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['ASSIGNED', 'CONTACTED']));

    await client.POST('/v1/leads', { body: { email: 'second@bigco.io', employees: 10 } });
    const firstPage = await client.GET('/v1/leads', { params: { query: { limit: 1 } } });
    expect(firstPage.data?.map((l) => l.email)).toEqual(['second@bigco.io']);
    const cursor = nextCursor(firstPage.response);
    expect(cursor).not.toBeNull();
    const secondPage = await client.GET('/v1/leads', { params: { query: { limit: 1, cursor: cursor ?? undefined } } });
    expect(secondPage.data?.map((l) => l.id)).toEqual([created.id]);
  });

  it('hands back the documented error body, typed', async () => {
    const { data, error, response } = await client.POST('/v1/reps', { body: { name: 'No email', email: 'not an email' } });
    expect(data).toBeUndefined();
    expect(response.status).toBe(422);
    expect(error?.error.code).toBe('VALIDATION_ERROR');
    expect(error?.error.details?.map((d) => d.path)).toEqual(['email']);
  });

  it('types a write-only key\'s answer as a receipt, which whole() refuses to pass off as the object', async () => {
    const writer = routeswitClient({ baseUrl, apiKey: (await restrictedKey(api.deps.db, orgId, ['reps:write'])).Authorization.replace('Bearer ', '') });
    const { data } = await writer.POST('/v1/reps', { body: { name: 'Quiet', email: 'quiet@client.io' } });
    expect(data).toMatchObject({ receipt: true, id: expect.stringMatching(/^rep_/), name: 'Quiet' });
    expect(() => whole(data)).toThrow(/not read it/);
  });
});
