import { allHandlersFinished, condition, defineUpdate, proxyActivities, proxyLocalActivities, setHandler, sleep } from '@temporalio/workflow';

/** The benchmark's own workflows: never in the production bundle, run by the benchmark's own worker. */
const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 3 } });
const local = proxyLocalActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 3 } });

export const ceilingDone = defineUpdate<void>('done');

/**
 * The throughput ceiling: the least a workflow can do on this Temporal server (one no-op activity), started
 * and awaited the way a lead is (update-with-start), so Routeswit's throughput can be reported as a share of
 * what the platform allows. With `local`, the latency baseline: the least a lead's first workflow task does.
 */
export async function benchCeilingWorkflow({ local: inTask = false }: { local?: boolean } = {}): Promise<void> {
  let done = false;
  setHandler(ceilingDone, async () => {
    await condition(() => done);
  });
  // Local: done in the first workflow task, as a lead is routed (the latency baseline); else a round trip
  // through a task queue (the throughput ceiling, as issue 17 defines it).
  await (inTask ? local.noop() : noop());
  done = true;
  await condition(allHandlersFinished);
}

/**
 * The timer ceiling: a bare workflow sleeping until a deadline, on the same server under the same load as the
 * SLA leads. It returns how late its workflow task ran after the deadline, measured like a lead's breach (the
 * workflow's clock when the timer fired), so what is the platform's lateness and what is ours reads plainly.
 */
export async function benchTimerWorkflow({ dueAt }: { dueAt: number }): Promise<number> {
  await sleep(Math.max(1, dueAt - Date.now()));
  return Date.now() - dueAt;
}
