import { createDb } from '../../src/db/knex';
import { withJobLock } from '../../src/db/jobLocks';
import { testConfig } from '../helpers/stack';

// Two pools: two worker replicas, each with its own connections to the one database.
const replicaA = createDb(testConfig().DATABASE_URL, 2);
const replicaB = createDb(testConfig().DATABASE_URL, 2);
afterAll(async () => {
  await replicaA.destroy();
  await replicaB.destroy();
});

describe('background jobs with several worker replicas', () => {
  it('run each round in one replica: the other skips it while the round runs, and takes the next one', async () => {
    const job = `test-${process.pid}-${Date.now()}`;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const rounds: string[] = [];

    const first = withJobLock(replicaA, job, async () => {
      rounds.push('A');
      started();
      await held;
    });
    await running;
    expect(await withJobLock(replicaB, job, async () => void rounds.push('B'))).toBe(false);
    // Another job is not held up by this one.
    expect(await withJobLock(replicaB, `${job}-other`, async () => void rounds.push('other'))).toBe(true);
    release();
    expect(await first).toBe(true);
    expect(await withJobLock(replicaB, job, async () => void rounds.push('B'))).toBe(true);
    expect(rounds).toEqual(['A', 'other', 'B']);
  });

  it('let go of the lock when a round fails, so the next round runs', async () => {
    const job = `test-fail-${process.pid}-${Date.now()}`;
    await expect(withJobLock(replicaA, job, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await withJobLock(replicaB, job, async () => undefined)).toBe(true);
  });
});
