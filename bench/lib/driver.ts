/**
 * Runs `task(i)` for i in [0, total) with at most `concurrency` in flight and, when `ratePerSecond` is set,
 * no faster than that (open-loop pacing: a slow response does not delay the next start). Prints a progress
 * line while it runs.
 */
export async function drive(
  label: string,
  total: number,
  opts: { concurrency: number; ratePerSecond?: number },
  task: (i: number) => Promise<void>,
): Promise<{ elapsedMs: number; errors: number }> {
  const started = Date.now();
  let next = 0;
  let done = 0;
  let errors = 0;
  const interval = opts.ratePerSecond ? 1000 / opts.ratePerSecond : 0;
  // On a terminal the progress line rewrites itself; in a log it is a line every few seconds.
  const tty = process.stdout.isTTY;
  const progress = setInterval(() => {
    const s = (Date.now() - started) / 1000;
    const line = `  ${label}: ${done}/${total} done, ${errors} errors, ${(done / Math.max(s, 0.001)).toFixed(1)}/s`;
    process.stdout.write(tty ? `\r${line}   ` : `${line}\n`);
  }, tty ? 500 : 5000);
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      if (interval) {
        const due = started + i * interval;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      try {
        await task(i);
      } catch {
        errors++;
      }
      done++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, total) }, lane));
  clearInterval(progress);
  const elapsedMs = Date.now() - started;
  process.stdout.write(`${tty ? '\r' : ''}  ${label}: ${done}/${total} done, ${errors} errors in ${(elapsedMs / 1000).toFixed(1)} s${' '.repeat(20)}\n`);
  return { elapsedMs, errors };
}
