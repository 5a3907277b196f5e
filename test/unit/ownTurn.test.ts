import { ownTurn } from '../../src/concurrency';

/** Holds the thread for `ms`, as a lead's evaluation near its budget does. */
const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('ownTurn', () => {
  it('lets a timer that falls due while heavy pieces queue run before the last of them, not after all', async () => {
    const ended: number[] = [];
    let fired = 0;
    // Due in 5 ms; the five pieces take 40 ms each. Back to back they would hold it for 200 ms.
    setTimeout(() => (fired = performance.now()), 5);
    await Promise.all(Array.from({ length: 5 }, () => ownTurn(() => (busy(40), ended.push(performance.now())))));
    expect(fired).toBeGreaterThan(0);
    expect(fired).toBeLessThan(ended[1]!);
  });

  it('answers each piece with its value or its error, in the order submitted', async () => {
    const order: string[] = [];
    const results = await Promise.allSettled([
      ownTurn(() => (order.push('a'), 1)),
      ownTurn(() => {
        order.push('b');
        throw new Error('budget spent');
      }),
      ownTurn(() => (order.push('c'), 3)),
    ]);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([1, 'budget spent', 3]);
  });

  it('runs light pieces in one turn of the loop, and heavy ones in turns of their own', async () => {
    // A counter that a chain of immediates advances once per iteration of the loop.
    let iteration = 0;
    let spinning = true;
    const spin = () => {
      iteration++;
      if (spinning) setImmediate(spin);
    };
    spin();
    const light = await Promise.all(Array.from({ length: 100 }, () => ownTurn(() => iteration)));
    const heavy = await Promise.all(Array.from({ length: 3 }, () => ownTurn(() => (busy(15), iteration))));
    spinning = false;
    expect(new Set(light).size).toBe(1);
    expect(new Set(heavy).size).toBe(3);
  });

  it("puts one organization's light piece behind at most one of another organization's queued heavy pieces", async () => {
    const order: string[] = [];
    // Six heavy pieces of one organization queued first, then one light piece of another.
    const burst = Array.from({ length: 6 }, (_, i) => ownTurn(() => (busy(20), order.push(`a${i}`)), 'org-a'));
    const light = ownTurn(() => order.push('b'), 'org-b');
    await Promise.all([...burst, light]);
    expect(order.indexOf('b')).toBeLessThanOrEqual(1);
    // Each organization's own pieces keep their order.
    expect(order.filter((o) => o !== 'b')).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5']);
  });
});
