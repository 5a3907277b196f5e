import { backgroundRounds } from '../metrics/metrics';
export interface BackgroundJob {
  /** Stops the timer and waits for a round in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Runs `round` every `intervalMs`, never two at once: a round that takes longer than the interval makes the
 * next one wait instead of piling up. Errors are reported and the next round tries again.
 */
export function everyInterval(intervalMs: number, round: () => Promise<void>, onError: (err: unknown) => void, job = 'background'): BackgroundJob {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    const end = backgroundRounds.startTimer({ job });
    running = round()
      .then(() => end({ result: 'ok' }))
      .catch((err: unknown) => {
        end({ result: 'failed' });
        onError(err);
      })
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
