import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
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
