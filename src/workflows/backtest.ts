import { CancellationScope, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { BacktestActivities } from '../activities/backtests';
import { versioning } from './versioning';

const { runBacktest } = proxyActivities<BacktestActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
});
const { endBacktest } = proxyActivities<BacktestActivities>({ startToCloseTimeout: '30 seconds' });

/**
 * POST /v1/rules/:id/backtest: one replay of a window of past leads. Cancelling the workflow cancels the
 * replay at its next chunk, and the backtest is marked CANCELLED with no report; a failure is marked FAILED.
 */
export async function backtestWorkflow({ backtestId }: { backtestId: string }): Promise<string> {
  try {
    return (await runBacktest({ backtestId })).status;
  } catch (err) {
    const status = isCancellation(err) ? 'CANCELLED' : 'FAILED';
    // An activity's failure carries the replay's own error as its cause.
    const reason = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
    await CancellationScope.nonCancellable(() => endBacktest({ backtestId, status, error: status === 'CANCELLED' ? 'cancelled' : reason }));
    if (status === 'CANCELLED') throw err;
    return status;
  }
}

// A backtest takes minutes at most: it finishes on the build that started it.
versioning('PINNED', backtestWorkflow);
