import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import path from 'node:path';
import { newOrg, startApi, startWorker, type TestApi, type TestOrg, type TestWorker } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/**
 * Backtesting on real history: 60 leads routed through the real stack under v1, with a rep away for part of
 * the window and another at a daily cap, then v2 replayed on the same window.
 */
let api: TestApi;
let worker: TestWorker;
let org: TestOrg;
let reps: Record<'A' | 'B' | 'C' | 'D', string>;
let v1: string;
let v2: string;
let window: { from: string; to: string };
const leadIds: string[] = [];

const http = () => api.http;
async function rules(body: object): Promise<string> {
  const rs = await http().post('/v1/rules').set(org.auth).send({ name: 'rules', ...body });
  expect(rs.status).toBe(200);
  return rs.body.id;
}
async function backtest(rulesetId: string, body: object = window) {
  const started = await http().post(`/v1/rules/${rulesetId}/backtest`).set(org.auth).send(body);
  expect(started.status).toBe(200);
  return waitFor(async () => {
    const bt = await http().get(`/v1/backtests/${started.body.id}`).set(org.auth);
    return bt.body.status === 'RUNNING' ? null : bt.body;
  }, { what: 'backtest finished', timeoutMs: 30_000 });
}

beforeAll(async () => {
  api = startApi();
  worker = await startWorker();
  org = await newOrg(api.deps.db);
  const rep = async (name: string, body: object) => (await http().post('/v1/reps').set(org.auth).send({ name, email: `${name}@seller.io`, timezone: 'UTC', ...body })).body.id as string;
  // Created in this order, so their ids (time-ordered) rotate A, B, C.
  reps = { A: await rep('A', { teams: ['na'] }), B: await rep('B', { teams: ['na'] }), C: await rep('C', { teams: ['na'], daily_cap: 10 }), D: await rep('D', { teams: ['ca'] }) };
  v1 = await rules({ rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'na' } }] });
  expect((await http().post(`/v1/rules/${v1}/publish`).set(org.auth)).status).toBe(200);
  const from = new Date(Date.now() - 1000).toISOString();
  for (let i = 1; i <= 60; i++) {
    if (i === 21) await http().patch(`/v1/reps/${reps.B}`).set(org.auth).send({ status: 'AWAY' });
    if (i === 41) await http().patch(`/v1/reps/${reps.B}`).set(org.auth).send({ status: 'AVAILABLE' });
    const lead = await http().post('/v1/leads').set(org.auth).send({ email: `l${i}@buyer${i}.com`, country: i % 4 === 0 ? 'CA' : 'US' });
    expect(lead.body.status).toBe('ASSIGNED');
    leadIds.push(lead.body.id);
  }
  window = { from, to: new Date(Date.now() + 1000).toISOString() };
  v2 = await rules({ rules: [{ id: 'canada', when: { field: 'country', op: 'eq', value: 'CA' }, then: { strategy: 'ROUND_ROBIN', team: 'ca' } }, { id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'na' } }] });
}, 120_000);
afterAll(async () => {
  await worker.stop();
  await api.close();
});

const letter = (repId: string | null) => (Object.entries(reps).find(([, id]) => id === repId)?.[0] ?? '-');

describe('backtesting a ruleset on past leads', () => {
  it('reproduces the real assignments exactly when the published ruleset replays its own window', async () => {
    // Round robin A, B, C; B away for leads 21-40; C stops at its daily cap of 10:
    //   1-20  ABCABCABCABCABCABCAB          (A 7, B 7, C 6)
    //   21-40 CACACACA then A twelve times (C reaches 10 at lead 27; B away) (A 16, C 4)
    //   41-60 BABABABABABABABABABA          (C capped: A 10, B 10)
    const real = await Promise.all(leadIds.map(async (id) => letter((await http().get(`/v1/leads/${id}`).set(org.auth)).body.assigned_rep_id)));
    expect(real.join('')).toBe('ABCABCABCABCABCABCABCACACACAAAAAAAAAAAAABABABABABABABABABABA');
    const bt = await backtest(v1);
    expect(bt).toMatchObject({ status: 'COMPLETED', leads_total: 60, leads_done: 60, report: { leads: 60, moved: 0, changes: [], rules_never_matched: [] } });
    expect(bt.report.reps.map((r: { rep_id: string; before: number; after: number }) => `${letter(r.rep_id)} ${r.before}→${r.after}`)).toEqual(['A 33→33', 'B 17→17', 'C 10→10']);
  });

  it('says which leads v2 would move, each rep\'s load and each team\'s fairness, as computed by hand', async () => {
    // v2 sends every 4th lead (CA) to D; the rest rotate A, B, C in team na as before, with the same absence
    // and cap: ABC D ABC D ... until 20; 21-40: C A (CA→D) C A C (C hits 10 at 27 with one CA between) ...
    //   ABCDABCDABCDABCDABCDACADCACDACADCAADAAADBABDABADBABDABADBABD
    // Moved (differs from v1's sequence): 35 leads; counts A 33→22, B 17→13, C 10→10, D 0→15.
    // Fairness in na, Jain's index (Σx)²/(n·Σx²): before (60)²/(3·(33²+17²+10²)) = 3600/4434 = 0.8119,
    // after (45)²/(3·(22²+13²+10²)) = 2025/2259 = 0.8964; na's load 60 → 45 (-25%).
    const bt = await backtest(v2);
    expect(bt.status).toBe('COMPLETED');
    const r = bt.report;
    const movedIdx = r.changes.map((c: { lead_id: string }) => leadIds.indexOf(c.lead_id) + 1);
    expect(movedIdx).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 16, 17, 18, 19, 20, 21, 22, 23, 24, 28, 30, 32, 33, 36, 40, 44, 45, 46, 47, 48, 52, 53, 54, 55, 56, 60]);
    expect(r.changes[0]).toMatchObject({ before: { rep_id: reps.A, rule_id: 'all' }, after: { rep_id: reps.D, rule_id: 'canada', source: 'RULE' } });
    expect(r.reps.map((x: { rep_id: string; before: number; after: number; change_pct: number | null }) => `${letter(x.rep_id)} ${x.before}→${x.after} ${x.change_pct}`)).toEqual([
      'A 33→22 -33.3',
      'B 17→13 -23.5',
      'C 10→10 0',
      'D 0→15 null',
    ]);
    expect(r.teams).toEqual([
      { team: 'ca', reps: 1, before: 1, after: 1, load_before: 0, load_after: 15 },
      { team: 'na', reps: 3, before: 0.8119, after: 0.8964, load_before: 60, load_after: 45 },
    ]);
    expect(r.rules_never_matched).toEqual([]);
    expect(r.unassigned.total).toBe(0);
    expect(r.summary).toBe('35 of 60 leads would move; na load -25%; expected SLA breaches 0 → 0');

    const csv = await http().get(`/v1/backtests/${bt.id}/export`).set(org.auth);
    expect(csv.status).toBe(200);
    expect(csv.text.trim().split('\n')).toHaveLength(36);
  });

  it('lets publish require a completed backtest', async () => {
    const v3 = await rules({ rules: [{ id: 'never', when: { field: 'country', op: 'eq', value: 'ZZ' }, then: { strategy: 'ROUND_ROBIN', team: 'na' } }], fallback: { strategy: 'ROUND_ROBIN', team: 'na' } });
    const refused = await http().post(`/v1/rules/${v3}/publish?require_backtest=true`).set(org.auth);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/no completed backtest/);
    const bt = await backtest(v3);
    expect(bt.report.rules_never_matched).toEqual(['never']);
    expect(bt.report.summary).toMatch(/1 rule never matches/);
    expect((await http().post(`/v1/rules/${v3}/publish?require_backtest=true`).set(org.auth)).status).toBe(200);
  });

  it('runs from the CLI with a progress bar and prints the summary and per-rep table', async () => {
    const server = createServer(api.app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../src/cli/main.ts'), 'backtest', v2, '--from', window.from, '--to', window.to, '--key', org.key, '--api', `http://127.0.0.1:${port}`], {
        env: { ...process.env, LOG_LEVEL: 'silent' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      expect({ code, stderr: stderr.slice(-300) }).toEqual({ code: 0, stderr: expect.stringMatching(/backtest \[.*\] \d+\/60 leads/) });
      expect(stdout).toMatch(/^35 of 60 leads would move; na load -25%/);
      expect(stdout).toMatch(/\nD +0 +15 \+15\n/);
      expect(stdout).toMatch(/team na: fairness 0.8119 → 0.8964/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  }, 60_000);

  it('refuses a window with no leads, from after to, a window over the limit and an unknown ruleset, clearly', async () => {
    const empty = await http().post(`/v1/rules/${v2}/backtest`).set(org.auth).send({ from: '2020-01-01T00:00:00Z', to: '2020-02-01T00:00:00Z' });
    expect(empty.status).toBe(422);
    expect(empty.body.error.message).toBe('No leads were received in this window');
    const backwards = await http().post(`/v1/rules/${v2}/backtest`).set(org.auth).send({ from: window.to, to: window.from });
    expect(backwards.body.error.details).toEqual([{ path: 'to', message: 'from must be before to' }]);
    const over = await http().post(`/v1/rules/${v2}/backtest`).set(org.auth).send({ ...window, limit: 10 });
    expect(over.status).toBe(422);
    expect(over.body.error.message).toBe('The window holds 60 leads, over the limit of 10');
    expect((await http().post('/v1/rules/rs_0mijkl000abcdefghijklm/backtest').set(org.auth).send(window)).status).toBe(404);
    expect((await http().get('/v1/backtests/bt_0mijkl000abcdefghijklm').set(org.auth)).status).toBe(404);
  });
});
