import { allHandlersFinished, condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

/** The benchmark's own workflows: never in the production bundle, run by the benchmark's own worker. */
const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 3 } });

export const ceilingDone = defineUpdate<void>('done');

/**
 * The throughput ceiling: the least a workflow can do on this Temporal server (one no-op activity), started
 * and awaited the way a lead is (update-with-start), so Routeswit's throughput can be reported as a share of
 * what the platform allows.
 */
export async function benchCeilingWorkflow(): Promise<void> {
  let done = false;
  setHandler(ceilingDone, async () => {
    await condition(() => done);
  });
  await noop();
  done = true;
  await condition(allHandlersFinished);
}
