import { spawn } from 'node:child_process';

/**
 * Polls `url` from a separate process (a stalled event loop in the test process cannot hide from it) until
 * stopped, and reports each request's latency in milliseconds.
 */
export function startLatencyProbe(url: string, intervalMs = 5): { ready: Promise<void>; stop(): Promise<number[]> } {
  const script = `
    let stop = false;
    process.stdin.on('data', () => { stop = true; });
    (async () => {
      const out = [];
      process.stdout.write('ready\\n');
      while (!stop) {
        const t = performance.now();
        await fetch(${JSON.stringify(url)}).then((r) => r.arrayBuffer());
        out.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, ${intervalMs}));
      }
      process.stdout.write(JSON.stringify(out) + '\\n');
      process.exit(0);
    })();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  let signalReady: () => void;
  const ready = new Promise<void>((r) => (signalReady = r));
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString();
    if (output.startsWith('ready\n')) signalReady();
  });
  return {
    ready,
    stop: () =>
      new Promise((resolve, reject) => {
        child.once('exit', () => {
          const last = output.trim().split('\n').at(-1) ?? '[]';
          try {
            resolve(JSON.parse(last) as number[]);
          } catch (err) {
            reject(err);
          }
        });
        child.stdin!.end('stop');
      }),
  };
}

export interface StallReport {
  /** /healthz latencies with the API idle, then while `action` ran, in milliseconds, sorted. */
  idle: number[];
  during: number[];
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

/**
 * /healthz as seen from another process: first for `idleMs` with nothing else asked of the API, then while
 * `action` runs. A request that holds the event loop shows as a slow /healthz during the action; a slow or
 * shared machine shows in both.
 */
export async function healthzDuring(base: string, action: () => Promise<unknown>, idleMs = 400): Promise<StallReport> {
  const idleProbe = startLatencyProbe(`${base}/healthz`);
  await idleProbe.ready;
  await new Promise((r) => setTimeout(r, idleMs));
  const idle = sorted(await idleProbe.stop());
  const probe = startLatencyProbe(`${base}/healthz`);
  await probe.ready;
  await new Promise((r) => setTimeout(r, 50));
  await action();
  await new Promise((r) => setTimeout(r, 50));
  return { idle, during: sorted(await probe.stop()) };
}

const median = (xs: number[]) => xs[Math.floor(xs.length / 2)] ?? 0;

/**
 * The typical /healthz during the action is within twice the typical one idle (with a floor of a few
 * scheduler ticks). Medians, not maxima: a stall holds most requests made during it, while a machine shared
 * with other test files makes a single slow request at any time.
 */
export function expectNoStall(report: StallReport): void {
  const idle = median(report.idle);
  expect(report.during.length).toBeGreaterThan(0);
  expect(median(report.during)).toBeLessThanOrEqual(Math.max(2 * idle, idle + 25));
}

/** CPU milliseconds this process spends while `action` runs (the API under test runs in it). */
export async function cpuMsOf(action: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  await action();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}
