import { backgroundRounds } from '../metrics/metrics';
export interface BackgroundJob {
  /** Stops the timer and waits for a round in progress to finish. */
  stop(): Promise<void>;
}

export interface NudgeableJob extends BackgroundJob {
  /**
   * Asks for a round soon, without waiting for the interval: at once when none ran in the last `minGapMs`,
   * else when that gap is over; during a round, right after it (nudges meanwhile make one more round, not many).
   */
  nudge(): void;
}

/**
 * Runs `round` every `intervalMs`, never two at once: a round that takes longer than the interval makes the
 * next one wait instead of piling up. Errors are reported and the next round tries again. A round that returns
 * true has more to do and is followed by another at once.
 */
export function everyInterval(intervalMs: number, round: () => Promise<boolean | void>, onError: (err: unknown) => void, job = 'background', minGapMs = 0): NudgeableJob {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  let stopped = false;
  let again = false;
  let lastStart = 0;
  let soon: NodeJS.Timeout | undefined;
  const run = () => {
    if (busy || stopped) return;
    busy = true;
    again = false;
    lastStart = Date.now();
    const end = backgroundRounds.startTimer({ job });
    running = round()
      .then((more) => {
        end({ result: 'ok' });
        if (more) again = true;
      })
      .catch((err: unknown) => {
        end({ result: 'failed' });
        onError(err);
      })
      .finally(() => {
        busy = false;
        if (again) nudge();
      });
  };
  const nudge = () => {
    if (stopped) return;
    if (busy) {
      again = true;
      return;
    }
    const wait = lastStart + minGapMs - Date.now();
    if (wait <= 0) return run();
    soon ??= setTimeout(() => {
      soon = undefined;
      run();
    }, wait);
    soon.unref();
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return {
    nudge,
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(soon);
      await running;
    },
  };
}
