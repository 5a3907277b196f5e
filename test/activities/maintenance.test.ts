import { maintenanceActivities } from '../../src/activities/maintenance';
import { createDb } from '../../src/db/knex';
import { createOrg } from '../../src/db/orgs';
import { sweepOnce } from '../../src/worker/sweeper';
import { MAINTENANCE_SCHEDULE_ID } from '../../src/temporal/schedules';
import { newOrg, startApi, testConfig, type TestApi } from '../helpers/stack';

const db = createDb(testConfig().DATABASE_URL, 2);
let api: TestApi;
beforeAll(() => {
  api = startApi();
});
afterAll(async () => {
  await db.destroy();
  await api.close();
});

describe('housekeeping', () => {
  it('purges Idempotency-Keys older than a day and keeps fresh ones', async () => {
    const org = await createOrg(db, 'purge');
    const row = (key: string, hoursAgo: number) => ({ org_id: org.id, api_key_id: 'key_x', key, method: 'POST', path: '/v1/leads', request_hash: 'h', created_at: new Date(Date.now() - hoursAgo * 3_600_000) });
    await db('idempotency_keys').insert([row('old', 25), row('fresh', 1)]);
    const { purged } = await maintenanceActivities(db).purgeIdempotencyKeys();
    expect(purged).toBeGreaterThanOrEqual(1);
    expect((await db('idempotency_keys').where({ org_id: org.id })).map((r) => r.key)).toEqual(['fresh']);
  });

  it('runs on an hourly Temporal Schedule that the worker makes sure exists', async () => {
    await newOrg(api.deps.db);
    await sweepOnce(api.deps);
    const description = await api.deps.temporal.client.schedule.getHandle(MAINTENANCE_SCHEDULE_ID).describe();
    expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'maintenanceWorkflow' });
    expect(description.spec.intervals?.[0]?.every).toBe(3_600_000);
  });
});
