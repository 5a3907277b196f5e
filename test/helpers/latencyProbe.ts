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
