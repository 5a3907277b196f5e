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

/**
 * The slowest /healthz during the action is within twice the slowest one idle (with a floor of a few
 * scheduler ticks, since an idle maximum of 3 ms doubled is within the noise of any machine).
 */
export function expectNoStall(report: StallReport): void {
  const idleMax = report.idle.at(-1) ?? 0;
  expect(report.during.length).toBeGreaterThan(2);
  expect(report.during.at(-1)).toBeLessThanOrEqual(Math.max(2 * idleMax, idleMax + 25));
}
