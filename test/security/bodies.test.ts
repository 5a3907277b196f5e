import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { cpuMsOf, expectNoStall, healthzDuring } from '../helpers/latencyProbe';
import { newOrg, restrictedKey, startApi, type TestApi, type TestOrg } from '../helpers/stack';
import { quietFile } from '../helpers/quiet';

/**
 * Round 2, finding 1: a body is read only after its sender is authenticated and authorized, and what reading
 * it may cost is bounded per route (bytes after decompression, JSON values, nesting). An 8 KB gzip body that
 * inflates to 8 MB once stalled /healthz for 3 to 9.5 s before the request was even refused with 401.
 */
// Measures latency against idle: not while another file loads the machine (see quiet.ts).
quietFile();
// The API and the client sending it 8 MB share this process: one garbage collection of its heap, on a slow
// day, stalled /healthz 365 ms once in CI. A body read before authentication stalls it seconds, every time.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

// 4,190,000 zeros: 8.4 MB of JSON that gzip -9 shrinks to about 8 KB. Made without an array of 4 million
// strings, whose garbage a later collection in the middle of a measurement would pay for.
const ZEROS = `[${'0,'.repeat(4_189_999)}0]`;
const BOMB = zlib.gzipSync(ZEROS, { level: 9 });

let api: TestApi;
let server: http.Server;
let base: string;
let org: TestOrg;

beforeAll(async () => {
  // Room for the anonymous requests of these tests and a retry of each; the test of the limit has its own API.
  api = startApi({ RATE_LIMIT_PER_SECOND: '0', AUTH_FAILURES_PER_MINUTE: '10' });
  server = http.createServer(api.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  org = await newOrg(api.deps.db);
  // Warm up (first connections, the first large upload's buffers) with authorized requests: the first
  // measurement then compares the API with itself, not with its cold start. No failure is spent here.
  // Small ones: garbage left by large ones would be collected during a measurement of CPU.
  for (let i = 0; i < 3; i++) await fetch(`${base}/v1/lists/warm-up`, { method: 'PUT', headers: { ...org.auth, 'content-type': 'application/json' }, body: JSON.stringify({ values: Array.from({ length: 100 }, (_, j) => `w${j}`) }) });
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await api.close();
});

async function put(body: Buffer | string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}/v1/lists/x`, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/**
 * What sending this body costs this process (client and server alike) when the server never reads it: a
 * POST to /healthz, answered 405 from the headers. Inflating and parsing the bomb took seconds.
 */
const unread = (body: Buffer | string, headers: Record<string, string>) =>
  cpuMsOf(() => fetch(`${base}/healthz`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then((r) => r.arrayBuffer()));

describe('a body is not read before its sender may send it', () => {
  it('an anonymous 8 KB gzip body inflating to 8 MB is refused with 401 and stalls nothing', async () => {
    expect(BOMB.length).toBeLessThan(16 * 1024);
    let answer: { status: number } | undefined;
    const report = await healthzDuring(base, async () => {
      answer = await put(BOMB, { 'content-encoding': 'gzip' });
    });
    expect(answer!.status).toBe(401);
    expectNoStall(report);
    const baseline = await unread(BOMB, { 'content-encoding': 'gzip' });
    expect(await cpuMsOf(() => put(BOMB, { 'content-encoding': 'gzip' }))).toBeLessThan(5 * baseline + 20);
  });

  it('an anonymous plain 8 MB body is refused with 401 and stalls nothing', async () => {
    let answer: { status: number } | undefined;
    const report = await healthzDuring(base, async () => {
      answer = await put(ZEROS, {});
    });
    expect(answer!.status).toBe(401);
    expectNoStall(report);
    const baseline = await unread(ZEROS, {});
    expect(await cpuMsOf(() => put(ZEROS, {}))).toBeLessThan(5 * baseline + 20);
  });

  it('an address over its failed-authentication limit gets 429 for the bomb, still without a stall', async () => {
    // Its own API process: the failures this test spends must not limit the other tests' address.
    const own = startApi({ RATE_LIMIT_PER_SECOND: '0', AUTH_FAILURES_PER_MINUTE: '2' });
    const s = http.createServer(own.app);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    try {
      for (let i = 0; i < 3; i++) await fetch(`${url}/v1/reps`, { headers: { authorization: 'Bearer sk_live_wrong' } });
      let status = 0;
      const report = await healthzDuring(url, async () => {
        const res = await fetch(`${url}/v1/lists/x`, { method: 'PUT', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: BOMB });
        status = res.status;
      });
      expect(status).toBe(429);
      expectNoStall(report);
    } finally {
      await new Promise((r) => s.close(r));
      await own.close();
    }
  });

  it('a key without the route\'s scope is refused with 403 before its body is read', async () => {
    const reader = await restrictedKey(api.deps.db, org.orgId, ['rules:read']);
    let answer: { status: number; body: any } | undefined;
    const report = await healthzDuring(base, async () => {
      answer = await put(BOMB, { 'content-encoding': 'gzip', authorization: reader.Authorization });
    });
    expect(answer!.status).toBe(403);
    expect(answer!.body.error.code).toBe('FORBIDDEN');
    expectNoStall(report);
  });
});

describe('what an authorized body may cost is bounded per route', () => {
  it('a bomb that inflates past the route\'s 8 MB is 413, and inflating stops at the limit', async () => {
    // One long string: few values, many bytes (the zeros are refused sooner, by their count).
    const long = zlib.gzipSync(`{"values": ["${'a'.repeat(9 * 1024 * 1024)}"]}`, { level: 9 });
    expect(long.length).toBeLessThan(64 * 1024);
    let answer: { status: number; body: any } | undefined;
    const report = await healthzDuring(base, async () => {
      answer = await put(long, { 'content-encoding': 'gzip', ...org.auth });
    });
    expect(answer!.status).toBe(413);
    expect(answer!.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('8 MB') });
    expectNoStall(report);
  });

  it('a body with more JSON values than the route takes (the 8 KB bomb) is 422 before it is parsed, without a stall', async () => {
    let answer: { status: number; body: any } | undefined;
    const report = await healthzDuring(base, async () => {
      answer = await put(BOMB, { 'content-encoding': 'gzip', ...org.auth });
    });
    expect(answer!.status).toBe(422);
    expect(answer!.body.error.message).toMatch(/more than 100,016 JSON values/);
    expectNoStall(report);
  });

  it('other routes keep their 1 MB, counted after decompression', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(2_000_000), email: 'a@b.co' });
    const res = await fetch(`${base}/v1/reps`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...org.auth }, body: zlib.gzipSync(big) });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/1 MB/);
  });

  it('a gzip body within the limits is taken as the same JSON sent plain', async () => {
    const values = Array.from({ length: 50_000 }, (_, i) => `v${i}`);
    const res = await put(zlib.gzipSync(JSON.stringify({ values })), { 'content-encoding': 'gzip', ...org.auth });
    expect(res.status).toBe(200);
    expect(res.body.value_count).toBe(50_000);
  });

  it('a Content-Encoding the server does not speak, or a body that is not what its encoding says, is 422', async () => {
    expect((await put('{"values": []}', { 'content-encoding': 'compress', ...org.auth })).status).toBe(422);
    const broken = await put(Buffer.from('not gzip at all'), { 'content-encoding': 'gzip', ...org.auth });
    expect(broken.status).toBe(422);
    expect(broken.body.error.message).toMatch(/Content-Encoding/);
  });

  it('a \\u0000 escape anywhere in a body is 422, and an escaped backslash before "u0000" is just text', async () => {
    const nul = await put('{"values": ["a\\u0000b"]}', org.auth);
    expect(nul.status).toBe(422);
    expect(nul.body.error.message).toMatch(/NUL/);
    const text = await put('{"values": ["a\\\\u0000b"]}', org.auth);
    expect(text.status).toBe(200);
  });
});
