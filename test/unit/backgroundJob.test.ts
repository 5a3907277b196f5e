import { everyInterval } from '../../src/worker/job';

/**
 * The outbox dispatcher runs when routing has written rows (a nudge), not only on its poll: a webhook waited up to
 * a whole interval before. Nudges must not pile up rounds, and a round that found a full batch goes on at once.
 */
const noop = () => undefined;
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a background job', () => {
  it('runs a round as soon as it is nudged, long before its interval', async () => {
    let rounds = 0;
    const job = everyInterval(60_000, async () => void rounds++, noop);
    job.nudge();
    await tick(20);
    expect(rounds).toBe(1);
    await job.stop();
  });

  it('turns any number of nudges during a round into one more round, not one each', async () => {
    let rounds = 0;
    let release!: () => void;
    const job = everyInterval(60_000, async () => {
      rounds++;
      if (rounds === 1) await new Promise<void>((r) => (release = r));
    }, noop);
    job.nudge();
    await tick(10);
    for (let i = 0; i < 50; i++) job.nudge();
    release();
    await tick(30);
    expect(rounds).toBe(2);
    await job.stop();
  });

  it('runs again at once while rounds report more to do, then waits for the next nudge', async () => {
    let left = 3;
    let rounds = 0;
    const job = everyInterval(60_000, async () => {
      rounds++;
      return --left > 0;
    }, noop);
    job.nudge();
    await tick(50);
    expect(rounds).toBe(3);
    await job.stop();
  });

  it('keeps rounds asked for by nudges at least its minimum gap apart', async () => {
    const starts: number[] = [];
    const job = everyInterval(60_000, async () => void starts.push(Date.now()), noop, 'test', 100);
    job.nudge();
    await tick(10);
    job.nudge();
    job.nudge();
    await tick(200);
    expect(starts).toHaveLength(2);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(95);
    await job.stop();
  });

  it('runs nothing once stopped, nudged or not', async () => {
    let rounds = 0;
    const job = everyInterval(10, async () => void rounds++, noop);
    await job.stop();
    job.nudge();
    await tick(40);
    expect(rounds).toBe(0);
  });
});
