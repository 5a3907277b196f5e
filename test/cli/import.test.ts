import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { importLeads } from '../../src/cli/importLeads';
import { newOrg, startApi, type TestApi, type TestOrg } from '../helpers/stack';

/** `npm run routeswit -- import`, run as a user runs it: a child process against the API over HTTP. */
const QUEUE = `routeswit-import-${process.pid}`;
let api: TestApi;
let server: http.Server;
let baseUrl: string;
let org: TestOrg;
let dir: string;

beforeAll(async () => {
  // A task queue no worker polls: the import's leads are taken in, their workflows started but never run, so
  // a thousand leads cost this machine their intake alone (routing bulk leads is tested in e2e/bulk).
  api = startApi({ TEMPORAL_TASK_QUEUE: QUEUE });
  server = http.createServer(api.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  baseUrl = `http://127.0.0.1:${address.port}`;
  org = await newOrg(api.deps.db);
  await api.http.post('/v1/reps').set(org.auth).send({ name: 'Ann', email: 'ann@import.io', teams: ['sdr'] });
  const rs = await api.http.post('/v1/rules').set(org.auth).send({ name: 'r', rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] });
  await api.http.post(`/v1/rules/${rs.body.id}/publish`).set(org.auth);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'routeswit-import-'));
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await api.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[]): { done: Promise<{ code: number | null; stdout: string; stderr: string }>; child: ReturnType<typeof spawn> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../src/cli/main.ts'), ...args], { env: { ...process.env, LOG_LEVEL: 'silent' } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return { child, done: new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr }))) };
}

// The issue's acceptance size: a CSV of 10,000 rows.
const ROWS = 10_000;

describe('import leads.csv', () => {
  it('imports every row with a column mapping and a progress bar, reports the bad row, resumes after a kill, creates nothing twice, and the export returns the same leads', async () => {
    const file = path.join(dir, 'leads.csv');
    const lines = ['Email Address,First Name,company,employees,attributes.plan'];
    for (let i = 1; i <= ROWS; i++) lines.push(`${i === 17 ? 'not-an-email' : `p${i}@import${i % 40}.io`},Pat ${i},"Co, ${i}",${i},${i % 2 ? 'pro' : 'free'}`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const args = ['import', file, '--api', baseUrl, '--key', org.key, '--map', 'email=Email Address', '--map', 'first_name=First Name'];

    // Stopped hard once its first batches are in: the state file says how far it got.
    const first = cli(args);
    const state = `${file}.import-state.json`;
    for (const until = Date.now() + 60_000; !fs.existsSync(state) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
    first.child.kill('SIGKILL');
    await first.done;
    const stoppedAt = (JSON.parse(fs.readFileSync(state, 'utf8')) as { rowsDone: number }).rowsDone;
    expect(stoppedAt).toBeGreaterThan(0);

    const second = await cli(args).done;
    expect({ code: second.code, stdout: second.stdout, stderr: second.stderr.slice(-400) }).toEqual({
      code: 3,
      stdout: expect.stringMatching(new RegExp(`^${ROWS} rows: .*1 rejected .*resumed after row ${stoppedAt}`)),
      stderr: expect.stringMatching(/importing \[/),
    });
    expect(fs.existsSync(state)).toBe(false);
    const rejected = parse(fs.readFileSync(`${file}.rejected.csv`, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(rejected).toEqual([{ row: '17', field: 'email', reason: expect.any(String) }]);

    const stored = await api.deps.db('leads').where({ org_id: org.orgId }).select('id', 'email', 'first_name', 'company', 'employees', 'attributes');
    expect(stored).toHaveLength(ROWS - 1);
    expect(stored.find((l) => l.email === 'p5@import5.io')).toMatchObject({ first_name: 'Pat 5', company: 'Co, 5', attributes: { plan: 'pro' } });

    const exported = await api.http.get('/v1/leads/export?format=ndjson').set(org.auth).buffer(true).parse((r, cb) => {
      let text = '';
      r.on('data', (c: Buffer) => (text += c.toString('utf8')));
      r.on('end', () => cb(null, text));
    });
    const ids = (exported.body as string).trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids.sort()).toEqual(stored.map((l) => l.id as string).sort());
  }, 400_000);

  it('says which column is missing, and writes nothing', async () => {
    const file = path.join(dir, 'no-email.csv');
    fs.writeFileSync(file, 'name,company\nAnn,Acme\n');
    const run = await cli(['import', file, '--api', baseUrl, '--key', org.key, '--no-progress']).done;
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no email column: name one "email" or map it with --map email=/);
    const mapped = await cli(['import', file, '--api', baseUrl, '--key', org.key, '--map', 'email=E-mail']).done;
    expect(mapped.stderr).toMatch(/the file has no column "E-mail"/);
    expect(await api.deps.db('leads').where({ org_id: org.orgId, company: 'Acme' }).first()).toBeUndefined();
  }, 60_000);
});

/** Round 2, finding 11: rows of any size, a file replaced between runs, and a quote never closed. */
describe('import leads.csv, the hard cases', () => {
  const own = async () => {
    const o = await newOrg(api.deps.db);
    return { org: o, run: (file: string) => importLeads({ file, baseUrl, apiKey: o.key }), count: async () => Number((await api.deps.db('leads').where({ org_id: o.orgId }).count<{ count: string }[]>('* as count'))[0]!.count) };
  };
  const rejectedRows = (file: string) => parse(fs.readFileSync(`${file}.rejected.csv`, 'utf8'), { columns: true }) as Array<Record<string, string>>;

  it('a row too large for any request (1.2 MB) is reported as rejected, and the rows around it are imported, on the first run', async () => {
    const { run, count } = await own();
    const file = path.join(dir, 'one-huge-row.csv');
    const attrs = Array.from({ length: 100 }, (_, i) => `attributes.a${i}`);
    const row = (i: number, width: number) => [`h${i}@huge.io`, ...attrs.map(() => 'x'.repeat(width))].join(',');
    fs.writeFileSync(file, `${['email', ...attrs].join(',')}\n${row(1, 10)}\n${row(2, 12_000)}\n${row(3, 10)}\n`);
    const report = await run(file);
    expect(report).toMatchObject({ rows: 3, imported: 2, rejected: 1 });
    expect(rejectedRows(file)).toEqual([{ row: '2', field: '', reason: expect.stringMatching(/at most 64 KB/) }]);
    expect(await count()).toBe(2);
  });

  it('500 rows over 1 MB go in several requests instead of one refused with 413', async () => {
    const { run, count } = await own();
    const file = path.join(dir, 'wide-rows.csv');
    const lines = ['email,attributes.notes,attributes.more'];
    for (let i = 0; i < 500; i++) lines.push(`w${i}@wide.io,${'n'.repeat(1990)},${'m'.repeat(400)}`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    expect(await run(file)).toMatchObject({ rows: 500, imported: 500, rejected: 0 });
    expect(await count()).toBe(500);
  });

  it('a file replaced after a partial run is imported from its first row, not resumed at the old one', async () => {
    const { org: o, count } = await own();
    const file = path.join(dir, 'replaced.csv');
    const write = (prefix: string, n: number) => fs.writeFileSync(file, `email\n${Array.from({ length: n }, (_, i) => `${prefix}${i}@replaced.io`).join('\n')}\n`);
    write('old', 3000);
    const first = cli(['import', file, '--api', baseUrl, '--key', o.key, '--no-progress']);
    const state = `${file}.import-state.json`;
    for (const until = Date.now() + 60_000; !fs.existsSync(state) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
    first.child.kill('SIGKILL');
    await first.done;
    expect((JSON.parse(fs.readFileSync(state, 'utf8')) as { rowsDone: number }).rowsDone).toBeGreaterThan(100);
    // The killed run's last request may still be answered: wait until its leads stop coming.
    for (let last = -1, now = await count(); now !== last; await new Promise((r) => setTimeout(r, 300))) [last, now] = [now, await count()];
    write('new', 100);
    const second = await importLeads({ file, baseUrl, apiKey: o.key });
    expect(second).toMatchObject({ restarted: true, rows: 100, imported: 100, skipped: 0 });
    const fresh = await api.deps.db('leads').where({ org_id: o.orgId }).andWhereLike('email', 'new%').count<{ count: string }[]>('* as count');
    expect(Number(fresh[0]!.count)).toBe(100);
    expect(await count()).toBeGreaterThan(100);
  }, 120_000);

  it('a quote never closed in a large file fails at once with what is wrong, without reading the file into memory', async () => {
    const { run, count } = await own();
    const file = path.join(dir, 'unclosed.csv');
    const out = fs.openSync(file, 'w');
    fs.writeSync(out, 'email,company\nq1@quote.io,"Acme\n');
    const block = `${'z'.repeat(1023)}\n`.repeat(1024);
    for (let i = 0; i < 60; i++) fs.writeSync(out, block);
    fs.closeSync(out);
    const heap = process.memoryUsage().heapUsed;
    await expect(run(file)).rejects.toThrow(/longer than 4 MB: the file probably has a quote that is never closed/);
    // 60 MB of file: the parser gave up after its 4 MB record limit, not after buffering the rest as one row.
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(40 * 1024 * 1024);
    expect(await count()).toBe(0);
  });
});
