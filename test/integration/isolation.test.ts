import { notificationSettings } from '../../src/activities/notifications';
import net from 'node:net';
import { NativeConnection } from '@temporalio/worker';
import { Stack } from '../../src/dev/stack';
import { deploymentId } from '../../src/db/deployment';
import { assertTaskQueueIsOurs, ForeignDeploymentError } from '../../src/worker/identity';
import { createWorker } from '../../src/worker/worker';
import { startApi, startWorker, testConfig, type TestApi, type TestWorker } from '../helpers/stack';

/** Two stacks on one machine never share a Temporal server or a task queue by accident. */
describe('a second stack on this machine', () => {
  it('does not join a Temporal server it did not start: it runs its own on another port and says so', async () => {
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const taken = (squatter.address() as net.AddressInfo).port;
    const notes: string[] = [];
    const stack = new Stack({ dataDir: '/tmp/routeswit-isolation', temporalPort: taken, temporalUiPort: null, onNote: (m) => notes.push(m) });
    try {
      await stack.startTemporal();
      expect(stack.temporalAddress).not.toBe(`127.0.0.1:${taken}`);
      expect(notes).toEqual([expect.stringContaining(`port ${taken} (Temporal) is taken`)]);
    } finally {
      await stack.stopTemporal();
      squatter.close();
    }
  });
});

describe('workers of another deployment', () => {
  let api: TestApi;
  let worker: TestWorker;
  const queue = `isolation-${process.pid}`;
  beforeAll(async () => {
    api = startApi({ TEMPORAL_TASK_QUEUE: queue });
    worker = await startWorker(queue, {}, { outbox: false });
  });
  afterAll(async () => {
    await worker.stop();
    await api.close();
  });

  it('are refused a task queue this deployment polls, with a message that says what to do', async () => {
    const ours = await deploymentId(api.deps.db);
    await expect(assertTaskQueueIsOurs(api.deps.temporal, queue, ours)).resolves.toBeUndefined();
    await expect(assertTaskQueueIsOurs(api.deps.temporal, queue, 'dep_someoneelse')).rejects.toThrow(ForeignDeploymentError);
    const connection = await NativeConnection.connect({ address: testConfig().TEMPORAL_ADDRESS });
    try {
      const config = testConfig();
      await expect(
        createWorker({ connection, db: api.deps.db, temporal: api.deps.temporal, namespace: 'default', taskQueue: queue, outboundTargets: config.OUTBOUND_TARGETS, encryptionKeys: config.ENCRYPTION_KEYS, notifications: notificationSettings(config), deploymentId: 'dep_someoneelse' }),
      ).rejects.toThrow(/polled by workers of another deployment.*TEMPORAL_TASK_QUEUE/);
    } finally {
      await connection.close();
    }
  });
});
