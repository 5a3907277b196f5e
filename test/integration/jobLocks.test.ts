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

describe('a background round (issue 27)', () => {
  it('holds no transaction open while it runs: rounds call Temporal, which may be slow or away', async () => {
    const job = `test-open-${process.pid}-${Date.now()}`;
    const watched = createDb(testConfig().DATABASE_URL, 2, { applicationName: `joblocks-${process.pid}` });
    try {
      let states: string[] = [];
      await withJobLock(watched, job, async () => {
        await new Promise((r) => setTimeout(r, 200));
        const { rows } = await replicaB.raw('SELECT state FROM pg_stat_activity WHERE application_name = ?', [`joblocks-${process.pid}`]);
        states = rows.map((r: { state: string }) => r.state);
      });
      expect(states.length).toBeGreaterThan(0);
      expect(states).not.toContain('idle in transaction');
    } finally {
      await watched.destroy();
    }
  });

  it('is taken over when its holder died mid-round and the lease ran out', async () => {
    const job = `test-dead-${process.pid}-${Date.now()}`;
    // A holder that never gave the lease back (its process was killed), with a lease already run out.
    await replicaA.raw("INSERT INTO job_leases (name, holder, expires_at) VALUES (?, 'dead', now() - interval '1 second')", [`routeswit:${job}`]);
    expect(await withJobLock(replicaB, job, async () => undefined)).toBe(true);
    await replicaA.raw("UPDATE job_leases SET holder = 'dead', expires_at = now() + interval '1 hour' WHERE name = ?", [`routeswit:${job}`]);
    expect(await withJobLock(replicaB, job, async () => undefined)).toBe(false);
  });
});
