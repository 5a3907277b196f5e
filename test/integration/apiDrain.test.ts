import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../src/dev/temporalServer';
import { newOrg, startApi, type TestApi, type TestOrg } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/**
 * Issue 27: a rollout sends SIGTERM to every old API pod. The API stops taking connections, answers every
 * request in flight (here: leads waiting out their wait_ms for a decision no worker makes), then exits 0.
 * It used to close the pool and exit at once, dropping them all.
 */
let helper: TestApi;
let org: TestOrg;
beforeAll(async () => {
  helper = startApi();
  org = await newOrg(helper.deps.db);
});
afterAll(() => helper.close());

it('answers every request in flight after SIGTERM, takes no new connection, and exits cleanly', async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../src/api/main.ts')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', API_SHUTDOWN_GRACE_SECONDS: '20', TEMPORAL_TASK_QUEUE: `drain-unpolled-${process.pid}`, RATE_LIMIT_PER_SECOND: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor(async () => (await fetch(`${base}/healthz`).then((r) => r.ok).catch(() => false)) || null, { timeoutMs: 30_000, what: 'the API to listen' });

  // Five leads, each waiting up to 3 s for a decision that no worker will make: slow requests in flight.
  const slow = Array.from({ length: 5 }, (_, i) =>
    fetch(`${base}/v1/leads?wait_ms=3000`, { method: 'POST', headers: { ...org.auth, 'content-type': 'application/json' }, body: JSON.stringify({ email: `drain${i}@slow.io` }) }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as { status: string } }),
      (err: Error) => ({ status: 0, body: { status: err.message } }),
    ),
  );
  await new Promise((r) => setTimeout(r, 500));
  child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  const late = await fetch(`${base}/healthz`).then(() => 'answered', (err: Error) => (err.cause as { code?: string })?.code ?? err.message);

  const answers = await Promise.all(slow);
  expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
  expect(answers.every((a) => a.body.status === 'ROUTING')).toBe(true);
  expect(late).toBe('ECONNREFUSED');
  expect(await exited).toBe(0);
  expect(output).toMatch(/API draining/);
  expect(output).toMatch(/"clean":true/);
}, 60_000);
