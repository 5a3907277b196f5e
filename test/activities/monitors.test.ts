import { MockActivityEnvironment } from '@temporalio/testing';
import { monitorActivities } from '../../src/activities/monitors';
import { createDb } from '../../src/db/knex';
import { ROLLUPS } from '../../src/db/rollups';
import { testConfig } from '../helpers/stack';

const db = createDb(testConfig().DATABASE_URL, 2);
afterAll(() => db.destroy());

describe('refreshIntelligence', () => {
  it('heartbeats from the start and returns the rollups it refreshed, so a dead worker is noticed within the heartbeat timeout', async () => {
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(structuredClone(d)));
    const refresh = monitorActivities(db).refreshIntelligence;
    const result: Awaited<ReturnType<typeof refresh>> = await env.run(refresh, { sinceHours: 48 });
    expect(result.rollups).toEqual(ROLLUPS.map((r) => r.name));
    expect(beats[0]).toEqual({ done: [] });
  });
});
