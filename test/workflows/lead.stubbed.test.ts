import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { LeadActivities } from '../../src/activities/lead';
import type { RouteLeadRequest } from '../../src/activities/routing';
import { initialState, type RouteOutcome, type SlaPlan } from '../../src/lead/machine';
import { closeUpdate, decisionUpdate, firstTouchUpdate, reassignUpdate, stateQuery, wakeSignal } from '../../src/lead/messages';
import type { leadWorkflow } from '../../src/workflows/lead';
import { quietTemporalRuntime } from '../helpers/stack';
import { registerSearchAttributes } from '../helpers/timeSkipping';

/**
 * The lead workflow with its activities stubbed (no Postgres): it performs what the state machine asks, in
 * order, at the right simulated times, and answers updates. Full-stack behaviour is in lead.test.ts.
 */
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `stubbed-${process.pid}`;
const MIN = 60_000;

/** What the stubs were asked to do, with the simulated time of each call. */
let calls: Array<{ name: string; at: number; args: Record<string, unknown> }> = [];
let outcomes: Array<(req: RouteLeadRequest) => RouteOutcome> = [];

const record = (name: string) => async (args: Record<string, unknown>) => {
  calls.push({ name, at: (args.now ?? args.at) as number, args });
};
const stubs: LeadActivities = {
  async routeLead(req) {
    calls.push({ name: 'routeLead', at: req.now, args: req as unknown as Record<string, unknown> });
    const next = outcomes.shift();
    if (!next) throw new Error('no outcome scripted for this routing attempt');
    return next(req);
  },
  recordEvent: record('recordEvent'),
  recordFirstTouch: record('recordFirstTouch'),
  unassignLead: record('unassignLead'),
  closeLead: record('closeLead'),
};

beforeAll(async () => {
  quietTemporalRuntime();
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_TEST_SERVER_PATH! } } });
  await registerSearchAttributes(env);
  worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! }, activities: stubs });
  running = worker.run();
});
afterAll(async () => {
  worker.shutdown();
  await running;
  await env.teardown();
});
beforeEach(() => {
  calls = [];
  outcomes = [];
});

let n = 0;
function start() {
  return env.client.workflow.start<typeof leadWorkflow>('leadWorkflow', { taskQueue, workflowId: `stubbed-${++n}`, args: [{ orgId: 'org_1', leadId: `lead_${n}` }] });
}

/** An SLA plan due `minutes` after `from`, with escalations at the given offsets after the deadline. */
function plan(from: number, minutes: number, steps: Array<[number, SlaPlan['steps'][number]['action']]>, maxReassignments = 1): SlaPlan {
  const dueAt = from + minutes * MIN;
  return { dueAt, steps: steps.map(([after, action]) => ({ at: dueAt + after * MIN, action })), maxReassignments };
}

describe('lead workflow with stubbed activities', () => {
  it('routes and takes the first touch, then ends: the lead needs nothing more', async () => {
    outcomes = [() => ({ kind: 'assigned', repId: 'rep_a', sla: null })];
    const handle = await start();
    expect(await handle.executeUpdate(decisionUpdate)).toEqual({ status: 'ASSIGNED' });
    const touched = await handle.executeUpdate(firstTouchUpdate, { args: [{ activityId: 'act_1', repId: 'rep_a', occurredAt: new Date().toISOString() }] });
    expect(touched).toEqual({ accepted: true });
    expect((await handle.result()).status).toBe('CONTACTED');
    expect(calls.map((c) => c.name)).toEqual(['routeLead', 'recordFirstTouch']);
    expect(calls[0]!.args).toMatchObject({ attempt: 1, reason: 'ROUTED', exclude: [], onNoRep: 'UNASSIGN' });
  });

  it('a later command starts a new run (update-with-start), which reads the state back and carries it out', async () => {
    const contacted = { ...initialState(), status: 'CONTACTED' as const, repId: 'rep_a', attempt: 1, previousReps: ['rep_a'], touched: true };
    outcomes = [() => ({ kind: 'assigned', repId: 'rep_a', sla: null }), () => ({ kind: 'recovered', state: contacted })];
    const first = await start();
    await first.executeUpdate(decisionUpdate);
    await first.executeUpdate(firstTouchUpdate, { args: [{ activityId: 'act_1', repId: 'rep_a', occurredAt: new Date().toISOString() }] });
    await first.result();
    const op = new WithStartWorkflowOperation<typeof leadWorkflow>('leadWorkflow', {
      taskQueue,
      workflowId: first.workflowId,
      args: [{ orgId: 'org_1', leadId: `lead_${n}` }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
    expect(await env.client.workflow.executeUpdateWithStart(closeUpdate, { args: [{ reason: 'won' }], startWorkflowOperation: op })).toEqual({ accepted: true });
    const second = await op.workflowHandle();
    expect((await second.describe()).runId).not.toBe(first.firstExecutionRunId);
    expect((await second.result()).status).toBe('CLOSED');
    expect(calls.map((c) => c.name)).toEqual(['routeLead', 'recordFirstTouch', 'routeLead', 'closeLead']);
    expect(calls[2]!.args).toMatchObject({ reason: 'ROUTED', attempt: 1 });
  });

  it('runs the escalations at their simulated times, then gives up', async () => {
    const t0 = await env.currentTimeMs();
    outcomes = [() => ({ kind: 'assigned', repId: 'rep_a', sla: plan(t0, 15, [[0, 'REMIND'], [10, 'REASSIGN']], 0) })];
    const handle = await start();
    await handle.executeUpdate(decisionUpdate);
    await env.sleep(40 * MIN);
    const state = await handle.query(stateQuery);
    expect(state).toMatchObject({ status: 'UNASSIGNED', unassignedReason: 'MAX_REASSIGNMENTS' });
    const timeline = calls.map((c) => [c.name, c.args.type ?? c.args.reason ?? null, Math.round((c.at - t0) / MIN)]);
    expect(timeline).toEqual([
      ['routeLead', 'ROUTED', 0],
      ['recordEvent', 'SLA_BREACHED', 15],
      ['recordEvent', 'REMINDED', 15],
      ['unassignLead', 'MAX_REASSIGNMENTS', 25],
    ]);
    // Given up: nothing more is due, so the run ends.
    expect((await handle.result()).unassignedReason).toBe('MAX_REASSIGNMENTS');
  });

  it('waits for a rep and routes again when woken; a reassignment that finds nobody is refused with the reason', async () => {
    outcomes = [
      () => ({ kind: 'unassigned', reason: 'NO_ELIGIBLE_REP', retryAt: null, why: '' }),
      () => ({ kind: 'assigned', repId: 'rep_b', sla: null }),
      () => ({ kind: 'unassigned', reason: 'NO_ELIGIBLE_REP', retryAt: null, why: ' (rep_c: AWAY)' }),
    ];
    const handle = await start();
    expect(await handle.executeUpdate(decisionUpdate)).toEqual({ status: 'UNASSIGNED' });
    await handle.signal(wakeSignal);
    await env.sleep(1000);
    expect(await handle.query(stateQuery)).toMatchObject({ status: 'ASSIGNED', repId: 'rep_b' });
    expect(await handle.executeUpdate(reassignUpdate, { args: [{}] })).toEqual({ accepted: false, reason: 'no eligible rep (rep_c: AWAY)' });
    expect(calls.filter((c) => c.name === 'routeLead').map((c) => [c.args.reason, c.args.attempt, c.args.onNoRep])).toEqual([
      ['ROUTED', 1, 'UNASSIGN'],
      ['RETRY', 2, 'UNASSIGN'],
      ['MANUAL_REASSIGN', 3, 'KEEP'],
    ]);
    await handle.terminate();
  });

  it('refuses an illegal update in its validator: nothing is queued or performed', async () => {
    outcomes = [() => ({ kind: 'assigned', repId: 'rep_a', sla: null })];
    const handle = await start();
    await handle.executeUpdate(decisionUpdate);
    await expect(handle.executeUpdate(firstTouchUpdate, { args: [{ activityId: 'act_9', repId: 'rep_z', occurredAt: new Date().toISOString() }] })).rejects.toThrow();
    expect(calls.map((c) => c.name)).toEqual(['routeLead']);
    await handle.terminate();
  });
});
