import { Context } from '@temporalio/activity';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { LeadActivities } from '../../src/activities/lead';
import { decisionUpdate } from '../../src/lead/messages';
import { createTemporal } from '../../src/temporal/client';
import { routeswitDataConverter } from '../../src/temporal/codec';
import type { leadWorkflow } from '../../src/workflows/lead';
import { quietTemporalRuntime, testConfig } from '../helpers/stack';

/**
 * On the real dev server (local activity timeouts run on real time, which the time-skipping server does not
 * give them): with Postgres unreachable the lead's local activity gives up within seconds and the same step
 * runs as a regular activity, whose retries do not grow the history.
 */
const config = testConfig();
const taskQueue = `fallback-${process.pid}-${Date.now()}`;
const temporal = createTemporal(config);
let worker: Worker;
let running: Promise<void>;
let connection: NativeConnection;
const ran: Array<{ local: boolean; attempt: number }> = [];

const unreachable = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
const stubs: LeadActivities = {
  async routeLead() {
    const { isLocal, attempt } = Context.current().info;
    ran.push({ local: isLocal, attempt });
    // Postgres is down for every local attempt and for the first two regular ones, then back.
    if (isLocal || attempt <= 2) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    return { kind: 'assigned', repId: 'rep_a', sla: null };
  },
  recordEvent: unreachable,
  recordFirstTouch: unreachable,
  unassignLead: unreachable,
  closeLead: unreachable,
};

beforeAll(async () => {
  quietTemporalRuntime();
  connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  worker = await Worker.create({ connection, taskQueue, workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! }, activities: stubs, dataConverter: routeswitDataConverter(config.ENCRYPTION_KEYS) });
  running = worker.run();
});
afterAll(async () => {
  worker.shutdown();
  await running;
  await connection.close();
  await temporal.close();
});

it('gives up on the local activity after four attempts (seconds), routes through a regular one, and keeps the history small', async () => {
  const handle = await temporal.client.workflow.start<typeof leadWorkflow>('leadWorkflow', { taskQueue, workflowId: `${taskQueue}-1`, args: [{ orgId: 'org_1', leadId: 'lead_1' }] });
  const t0 = Date.now();
  expect(await handle.executeUpdate(decisionUpdate)).toEqual({ status: 'ASSIGNED' });
  const tookMs = Date.now() - t0;
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
  expect(scheduled).toEqual(['routeLead']);
  expect(ran.filter((r) => r.local).map((r) => r.attempt)).toEqual([1, 2, 3, 4]);
  expect(ran.filter((r) => !r.local).map((r) => r.attempt)).toEqual([1, 2, 3]);
  // About 3.5 s of local attempts, then 3 s of regular ones (1 s and 2 s apart).
  expect(tookMs).toBeGreaterThan(5_000);
  expect(tookMs).toBeLessThan(15_000);
  expect(events.length).toBeLessThan(25);
  await handle.terminate('done');
}, 60_000);
