import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { BacktestActivities } from '../../src/activities/backtests';
import type { backtestWorkflow } from '../../src/workflows/backtest';
import { quietTemporalRuntime } from '../helpers/stack';

/**
 * The backtest workflow with its activities stubbed: a cancelled backtest stops its replay and is marked
 * CANCELLED (never COMPLETED with a partial report); a replay that fails for good is marked FAILED.
 */
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `backtest-stubbed-${process.pid}`;
let ended: Array<{ status: string; error: string }> = [];
let replay: () => Promise<{ status: 'COMPLETED' }>;
let started: () => void;

const stubs: BacktestActivities = {
  runBacktest: () => replay(),
  async endBacktest({ status, error }) {
    ended.push({ status, error });
  },
};

beforeAll(async () => {
  quietTemporalRuntime();
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_TEST_SERVER_PATH! } } });
  worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! }, activities: stubs });
  running = worker.run();
});
afterAll(async () => {
  worker.shutdown();
  await running;
  await env.teardown();
});
beforeEach(() => {
  ended = [];
});

let n = 0;
const start = () => env.client.workflow.start<typeof backtestWorkflow>('backtestWorkflow', { taskQueue, workflowId: `backtest-stub-${n++}`, args: [{ backtestId: 'bt_stub' }] });

it('a cancelled backtest stops its replay at the next heartbeat and ends CANCELLED, with no report', async () => {
  const inReplay = new Promise<void>((r) => (started = r));
  replay = async () => {
    started();
    // A long replay: a chunk of leads, a heartbeat, and so on until it is told to stop.
    for (;;) {
      Context.current().heartbeat();
      await Context.current().sleep(100);
    }
  };
  const handle = await start();
  await inReplay;
  await handle.cancel();
  const result = await handle.result().catch((e: unknown) => e);
  expect(result).toBeInstanceOf(WorkflowFailedError);
  expect(ended).toEqual([{ status: 'CANCELLED', error: 'cancelled' }]);
});

it('a replay that fails for good ends FAILED with the reason', async () => {
  replay = async () => {
    throw new Error('the ruleset was deleted');
  };
  const status = await (await start()).result();
  expect(status).toBe('FAILED');
  expect(ended).toEqual([{ status: 'FAILED', error: 'the ruleset was deleted' }]);
}, 60_000);

it('a completed replay needs nothing more', async () => {
  replay = async () => ({ status: 'COMPLETED' });
  expect(await (await start()).result()).toBe('COMPLETED');
  expect(ended).toEqual([]);
});

