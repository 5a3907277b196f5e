import { notificationSettings } from '../../src/activities/notifications';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { temporal as proto } from '@temporalio/proto';
import { createDb } from '../../src/db/knex';
import { workflowIdFor } from '../../src/lead/model';
import { promoteVersion } from '../../src/worker/versioning';
import { createWorker } from '../../src/worker/worker';
import { apiSuite, quietTemporalRuntime, testConfig } from '../helpers/stack';

/**
 * Worker Versioning against the real dev server: each build polls as a version of the deployment and makes
 * itself current; short-lived workflows are pinned to the build that started them, a lead moves to each new
 * build (it relies on patched()).
 */
const queue = `versioning-${process.pid}-${Date.now()}`;
const deploymentName = `routeswit-test-${process.pid}-${Date.now()}`;
const suite = apiSuite({ TEMPORAL_TASK_QUEUE: queue, RATE_LIMIT_PER_SECOND: '0' });
const config = testConfig();
const db = createDb(config.DATABASE_URL, 4);
const running: Array<{ worker: Worker; run: Promise<void>; connection: NativeConnection }> = [];

async function startBuild(buildId: string): Promise<void> {
  quietTemporalRuntime();
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createWorker({
    connection,
    db,
    temporal: suite.api.deps.temporal,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: queue,
    outboundTargets: config.OUTBOUND_TARGETS,
    encryptionKeys: config.ENCRYPTION_KEYS,
    notifications: notificationSettings(config),
    workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE,
    versioning: { useWorkerVersioning: true, version: { deploymentName, buildId }, defaultVersioningBehavior: 'AUTO_UPGRADE' },
  });
  running.push({ worker, run: worker.run(), connection });
  await promoteVersion(suite.api.deps.temporal, { deploymentName, buildId }, `test-${buildId}`);
}

afterAll(async () => {
  for (const r of running) if (r.worker.getState() === 'RUNNING') r.worker.shutdown();
  await Promise.allSettled(running.map((r) => r.run));
  await Promise.allSettled(running.map((r) => r.connection.close()));
  await db.destroy();
});

const Behavior = proto.api.enums.v1.VersioningBehavior;
async function versionOf(workflowId: string): Promise<{ behavior: string; buildId: string | undefined }> {
  const { raw } = await suite.api.deps.temporal.client.workflow.getHandle(workflowId).describe();
  const info = raw.workflowExecutionInfo?.versioningInfo;
  return { behavior: Behavior[info?.behavior ?? 0] ?? 'unknown', buildId: info?.deploymentVersion?.buildId ?? undefined };
}

// Each build's promotion may wait up to 30 s for the server to see its pollers and as long again for the new
// routing to reach the task queue (promoteVersion), and the worker deployment is run by the dev server's own
// system workflows, which share it with the whole suite. Alone the test takes 7-10 s (also with the cores kept
// busy); in a CI run on a slow 2-core machine it ran past the suite's default 60 s. The budget covers two
// promotions' documented waits; an assertion that fails still fails at once.
const TWO_PROMOTIONS_MS = 150_000;

it('pins a short-lived workflow to its build, and moves a running lead to the new current build', async () => {
  const { api, org } = suite;
  await startBuild('build-1');
  const rep = (await api.http.post('/v1/reps').set(org.auth).send({ name: 'Ver', email: `ver-${Date.now()}@v.io`, teams: ['v'] })).body.id;
  await api.http.post('/v1/reps').set(org.auth).send({ name: 'Sion', email: `sion-${Date.now()}@v.io`, teams: ['v'] });
  const rs = await api.http.post('/v1/rules').set(org.auth).send({ name: 'v', rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'v', sla: { first_touch_minutes: 60 } } }] });
  await api.http.post(`/v1/rules/${rs.body.id}/publish`).set(org.auth);

  const diag = await api.deps.temporal.client.workflow.execute('diagnosticsWorkflow', { taskQueue: queue, workflowId: `diag-${queue}-1`, args: [] });
  expect(diag).toMatchObject({ database: expect.anything() });
  expect(await versionOf(`diag-${queue}-1`)).toEqual({ behavior: 'VERSIONING_BEHAVIOR_PINNED', buildId: 'build-1' });

  const lead = (await api.http.post('/v1/leads').set(org.auth).send({ email: 'versioned@v.io' })).body;
  expect(lead.status).toBe('ASSIGNED');
  expect([rep, expect.any(String)]).toContainEqual(lead.assigned_rep_id);
  expect(await versionOf(workflowIdFor(lead.id))).toEqual({ behavior: 'VERSIONING_BEHAVIOR_AUTO_UPGRADE', buildId: 'build-1' });

  // The next build is deployed beside the first and made current.
  await startBuild('build-2');
  const moved = await api.http.post(`/v1/leads/${lead.id}/reassign`).set(org.auth).send({});
  expect(moved.status).toBe(200);
  expect(moved.body.assigned_rep_id).not.toBe(lead.assigned_rep_id);
  expect(await versionOf(workflowIdFor(lead.id))).toEqual({ behavior: 'VERSIONING_BEHAVIOR_AUTO_UPGRADE', buildId: 'build-2' });

  await api.deps.temporal.client.workflow.execute('diagnosticsWorkflow', { taskQueue: queue, workflowId: `diag-${queue}-2`, args: [] });
  expect(await versionOf(`diag-${queue}-2`)).toEqual({ behavior: 'VERSIONING_BEHAVIOR_PINNED', buildId: 'build-2' });
}, TWO_PROMOTIONS_MS);
