import { GroupCommit } from '../../src/concurrency';

/** A runner that records its batches and answers each item after `release()` is called for that batch. */
function recorder() {
  const batches: Array<{ key: string; items: number[] }> = [];
  const gates: Array<() => void> = [];
  const run = async (key: string, items: number[]): Promise<Array<string | Error>> => {
    batches.push({ key, items });
    await new Promise<void>((r) => gates.push(r));
    return items.map((i) => (i < 0 ? new Error(`bad ${i}`) : `done ${i}`));
  };
  const tick = () => new Promise((r) => setImmediate(r));
  const releaseAll = async () => {
    await tick();
    while (gates.length) gates.shift()!();
    await tick();
  };
  return { batches, run, releaseAll };
}

describe('GroupCommit', () => {
  it('starts a lone item at once, and batches what arrives while the batches in flight run', async () => {
    const r = recorder();
    const gc = new GroupCommit(r.run, { maxBatch: 3, inFlight: 1 });
    const first = gc.submit('org', 1);
    await new Promise((res) => setImmediate(res));
    expect(r.batches).toEqual([{ key: 'org', items: [1] }]);
    const later = [2, 3, 4, 5].map((i) => gc.submit('org', i));
    await r.releaseAll();
    await r.releaseAll();
    await r.releaseAll();
    expect(await Promise.all([first, ...later])).toEqual(['done 1', 'done 2', 'done 3', 'done 4', 'done 5']);
    // At most maxBatch in a batch, in the order submitted.
    expect(r.batches.map((b) => b.items)).toEqual([[1], [2, 3, 4], [5]]);
  });

  it('runs up to inFlight batches of one key at once, and keys independently', async () => {
    const r = recorder();
    const gc = new GroupCommit(r.run, { maxBatch: 10, inFlight: 2 });
    const a = gc.submit('a', 1);
    await new Promise((res) => setImmediate(res));
    const b = gc.submit('a', 2);
    const c = gc.submit('b', 3);
    await new Promise((res) => setImmediate(res));
    expect(r.batches).toEqual([
      { key: 'a', items: [1] },
      { key: 'a', items: [2] },
      { key: 'b', items: [3] },
    ]);
    const d = gc.submit('a', 4);
    await new Promise((res) => setImmediate(res));
    expect(r.batches).toHaveLength(3);
    await r.releaseAll();
    await r.releaseAll();
    expect(await Promise.all([a, b, c, d])).toEqual(['done 1', 'done 2', 'done 3', 'done 4']);
  });

  it("rejects only the item whose answer is an error, and every item of a batch that throws", async () => {
    const r = recorder();
    const gc = new GroupCommit(r.run, { maxBatch: 10, inFlight: 1 });
    const settled = Promise.allSettled([gc.submit('org', 1), gc.submit('org', -1), gc.submit('org', 2)]);
    await r.releaseAll();
    const [one, bad, two] = await settled;
    expect(r.batches.map((b) => b.items)).toEqual([[1, -1, 2]]);
    expect([one, two]).toEqual([
      { status: 'fulfilled', value: 'done 1' },
      { status: 'fulfilled', value: 'done 2' },
    ]);
    expect(bad).toMatchObject({ status: 'rejected', reason: new Error('bad -1') });

    const failing = new GroupCommit<number, string>(async () => {
      throw new Error('database gone');
    }, { maxBatch: 10, inFlight: 1 });
    await expect(Promise.all([failing.submit('org', 1), failing.submit('org', 2)])).rejects.toThrow('database gone');
    await expect(failing.submit('org', 3)).rejects.toThrow('database gone');
  });
});
