import { parse } from 'csv-parse/sync';
import { newOrg, startApi, startWorker, type TestApi, type TestOrg, type TestWorker } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/** Leads in bulk, and a contact's own history of leads. */
let api: TestApi;
/**
 * The same API on a task queue no worker polls: its batches start workflows that never run, so hundreds of
 * leads cost this machine their intake and nothing more while other suites route theirs. `api` and its
 * worker route the small batches that show bulk leads are routed like any other.
 */
let intake: TestApi;
let worker: TestWorker;
let org: TestOrg;

beforeAll(async () => {
  api = startApi();
  intake = startApi({ TEMPORAL_TASK_QUEUE: `routeswit-bulk-intake-${process.pid}` });
  worker = await startWorker();
  org = await newOrg(api.deps.db);
  for (const name of ['Ann', 'Bob', 'Cy']) await api.http.post('/v1/reps').set(org.auth).send({ name, email: `${name.toLowerCase()}@bulk.io`, teams: ['sdr'] });
  const rs = await api.http.post('/v1/rules').set(org.auth).send({ name: 'all', rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] });
  await api.http.post(`/v1/rules/${rs.body.id}/publish`).set(org.auth);
});
afterAll(async () => {
  await worker.stop();
  await intake.close();
  await api.close();
});

const batchOf = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ email: `b${i}-${tag}@bulk.io`, external_id: `${tag}-${i}`, company: `Co ${i}` }));

describe('POST /v1/leads/batch', () => {
  it('takes 499 good leads and answers the bad one at leads[17].email', async () => {
    const leads: Array<Record<string, unknown>> = batchOf(500, 'one');
    leads[17] = { email: 'not an email', external_id: 'one-17' };
    const res = await intake.http.post('/v1/leads/batch').set(org.auth).send({ leads });
    expect(res.status).toBe(200);
    expect([res.body.accepted, res.body.rejected]).toEqual([499, 1]);
    const results = res.body.results as Array<{ index: number; id?: string; error?: { code: string; details: Array<{ path: string }> } }>;
    expect(results.map((r) => r.index)).toEqual([...Array(500).keys()]);
    expect(results[17]).toEqual({ index: 17, error: expect.objectContaining({ code: 'VALIDATION_ERROR', details: [expect.objectContaining({ path: 'leads[17].email' })] }) });
    const ids = results.filter((r) => r.id).map((r) => r.id!);
    expect(new Set(ids).size).toBe(499);
    // Stored, waiting for the bulk feeder of the intake's task queue (which no worker runs here) to start them.
    const stored = await api.deps.db('leads').whereIn('id', ids).where({ status: 'ROUTING', bulk_queue: intake.deps.config.TEMPORAL_TASK_QUEUE }).whereNull('workflow_started_at').count<{ count: string }[]>('* as count');
    expect(Number(stored[0]!.count)).toBe(499);
  }, 60_000);

  it('routes the leads it takes like any other', async () => {
    const res = await api.http.post('/v1/leads/batch').set(org.auth).send({ leads: batchOf(6, 'routed') });
    const ids = (res.body.results as Array<{ id: string }>).map((r) => r.id);
    const reps = await waitFor(async () => {
      const rows = await api.deps.db('leads').whereIn('id', ids).where({ status: 'ASSIGNED' }).select('assigned_rep_id');
      return rows.length === ids.length ? rows.map((r) => r.assigned_rep_id as string) : null;
    }, { timeoutMs: 30_000, what: 'the batch to be routed' });
    // Round robin over three reps: two leads each.
    expect(Object.values(reps.reduce<Record<string, number>>((n, r) => ({ ...n, [r]: (n[r] ?? 0) + 1 }), {}))).toEqual([2, 2, 2]);
  });

  it('creates nothing twice: the same leads again are duplicates, and a retried batch with its Idempotency-Key replays', async () => {
    const leads = batchOf(5, 'two');
    const first = await api.http.post('/v1/leads/batch').set(org.auth).set('Idempotency-Key', 'batch-two').send({ leads });
    const again = await api.http.post('/v1/leads/batch').set(org.auth).set('Idempotency-Key', 'batch-two').send({ leads });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const resent = await api.http.post('/v1/leads/batch').set(org.auth).send({ leads });
    expect(resent.body.results.map((r: { id: string; duplicate: boolean }) => [r.id, r.duplicate])).toEqual(first.body.results.map((r: { id: string }) => [r.id, true]));
  });

  it('refuses a batch of the wrong shape as a whole', async () => {
    const tooMany = await api.http.post('/v1/leads/batch').set(org.auth).send({ leads: batchOf(501, 'three') });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.details[0].path).toBe('leads');
    expect((await api.http.post('/v1/leads/batch').set(org.auth).send({ leads: [] })).status).toBe(422);
    expect((await api.http.post('/v1/leads/batch').set(org.auth).send({ leads: ['x'] })).status).toBe(422);
    const none = await api.deps.db('leads').where({ org_id: org.orgId }).where('external_id', 'like', 'three-%').count<{ count: string }[]>('* as count');
    expect(Number(none[0]!.count)).toBe(0);
  });
});

describe("a contact's leads", () => {
  it('GET /v1/contacts/:id lists them newest first, and GET /v1/leads?contact_id= filters by contact', async () => {
    const a = await api.http.post('/v1/leads').set(org.auth).send({ email: 'returning@bulk.io' });
    const b = await api.http.post('/v1/leads').set(org.auth).send({ email: 'returning@bulk.io', source: 'webinar' });
    await api.http.post('/v1/leads').set(org.auth).send({ email: 'someone-else@bulk.io' });
    expect(b.body.contact_id).toBe(a.body.contact_id);
    const contact = await api.http.get(`/v1/contacts/${a.body.contact_id}`).set(org.auth);
    expect(contact.body.leads.map((l: { id: string }) => l.id)).toEqual([b.body.id, a.body.id]);
    expect(contact.body.leads[0]).toMatchObject({ status: 'ASSIGNED', assigned_rep_id: b.body.assigned_rep_id });
    const listed = await api.http.get(`/v1/leads?contact_id=${a.body.contact_id}`).set(org.auth);
    expect(listed.body.map((l: { id: string }) => l.id)).toEqual([b.body.id, a.body.id]);
  });
});

describe('GET /v1/leads/export', () => {
  it('streams every lead of the window as CSV and as NDJSON, with routing outcome and SLA result, formulas defused', async () => {
    const exporter = await newOrg(api.deps.db);
    await api.http.post('/v1/reps').set(exporter.auth).send({ name: 'Eve', email: 'eve@export.io', teams: ['sdr'] });
    const rs = await api.http.post('/v1/rules').set(exporter.auth).send({ name: 'r', rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr', sla: { first_touch_minutes: 60 } } }] });
    await api.http.post(`/v1/rules/${rs.body.id}/publish`).set(exporter.auth);
    // Just over one page of the export (1,000 rows a query), taken in without routing; then a few routed ones.
    const leads = Array.from({ length: 1100 }, (_, i) => ({ email: `x${i}@export.io`, company: i === 3 ? '=HYPERLINK("http://evil.example","x")' : `Co ${i}`, employees: i }));
    const ids: string[] = [];
    for (let i = 0; i < leads.length; i += 500) ids.push(...(await intake.http.post('/v1/leads/batch').set(exporter.auth).send({ leads: leads.slice(i, i + 500) })).body.results.map((r: { id: string }) => r.id));
    const routed: string[] = [];
    for (let i = 0; i < 3; i++) routed.push((await api.http.post('/v1/leads').set(exporter.auth).send({ email: `routed${i}@export.io` })).body.id);
    ids.push(...routed);

    const res = await api.http.get('/v1/leads/export?format=csv').set(exporter.auth).buffer(true).parse((r, cb) => {
      let text = '';
      r.on('data', (c: Buffer) => (text += c.toString('utf8')));
      r.on('end', () => cb(null, text));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="leads-\d{4}-\d{2}-\d{2}\.csv"$/);
    const rows = parse(res.body as string, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(rows.find((r) => r.id === ids[3])!.company).toBe(`'=HYPERLINK("http://evil.example","x")`);
    expect(rows.find((r) => r.id === ids[10])).toMatchObject({ employees: '10', email: 'x10@export.io' });

    const nd = await api.http.get(`/v1/leads/export?format=ndjson&status=ASSIGNED`).set(exporter.auth).buffer(true).parse((r, cb) => {
      let text = '';
      r.on('data', (c: Buffer) => (text += c.toString('utf8')));
      r.on('end', () => cb(null, text));
    });
    const objects = (nd.body as string).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects.map((o) => o.id)).toEqual(routed);
    expect(objects.every((o) => o.status === 'ASSIGNED' && o.assigned_rep_email === 'eve@export.io' && o.sla_result === 'PENDING' && o.rule_id === 'all')).toBe(true);
    expect((await api.http.get('/v1/leads/export?format=xlsx').set(exporter.auth)).status).toBe(422);
  }, 120_000);

  it('?account= exports only that account\'s leads, as GET /v1/leads lists them (round 2, finding 9)', async () => {
    const exporter = await newOrg(api.deps.db);
    const leads = [{ email: 'a@acme-export.io' }, { email: 'b@acme-export.io' }, { email: 'c@other-export.io' }];
    await intake.http.post('/v1/leads/batch').set(exporter.auth).send({ leads });
    const listed = await api.http.get('/v1/leads?account=acme-export.io').set(exporter.auth);
    expect(listed.body.map((l: { email: string }) => l.email).sort()).toEqual(['a@acme-export.io', 'b@acme-export.io']);
    const res = await api.http.get('/v1/leads/export?format=ndjson&account=ACME-export.io').set(exporter.auth).buffer(true).parse((r, cb) => {
      let text = '';
      r.on('data', (c: Buffer) => (text += c.toString()));
      r.on('end', () => cb(null, text));
    });
    const exported = String(res.body).trim().split('\n').map((line) => JSON.parse(line) as { email: string; account_domain: string });
    expect(exported.map((o) => o.email).sort()).toEqual(['a@acme-export.io', 'b@acme-export.io']);
    expect(exported.every((o) => o.account_domain === 'acme-export.io')).toBe(true);
  });
});
