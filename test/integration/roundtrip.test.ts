import { createTemporal, type Temporal } from '../../src/temporal/client';
import type { diagnosticsWorkflow } from '../../src/workflows';
import { startWorker, testConfig, type TestWorker } from '../helpers/stack';

let worker: TestWorker;
let temporal: Temporal;

beforeAll(async () => {
  worker = await startWorker();
  temporal = createTemporal(testConfig());
});
afterAll(async () => {
  await worker.stop();
  await temporal.close();
});

describe('first workflow round trip', () => {
  it('runs a workflow started through the project client on the worker polling task queue routeswit', async () => {
    expect(temporal.taskQueue).toBe('routeswit');
    const handle = await temporal.client.workflow.start<typeof diagnosticsWorkflow>('diagnosticsWorkflow', {
      taskQueue: temporal.taskQueue,
      workflowId: `diagnostics-test-${Date.now()}`,
    });
    const result = await handle.result();
    expect(result.database.pendingMigrations).toEqual([]);
    const dbNow = Date.parse(result.database.now);
    expect(Math.abs(dbNow - Date.now())).toBeLessThan(60_000);
    const history = await handle.fetchHistory();
    const activity = history.events!.find((e) => e.activityTaskScheduledEventAttributes);
    expect(activity?.activityTaskScheduledEventAttributes?.activityType?.name).toBe('databaseStatus');
  });
});
