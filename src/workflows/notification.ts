import { ActivityFailure, proxyActivities, sleep } from '@temporalio/workflow';
import type { NotificationActivities } from '../activities/notifications';
import { versioning } from './versioning';

export interface NotificationRetry {
  initialSeconds: number;
  maximumAttempts: number;
}

/** Eight attempts over about ten minutes: waits doubling from 5 s, at most 5 min apart. */
export const DEFAULT_NOTIFICATION_RETRY: NotificationRetry = { initialSeconds: 5, maximumAttempts: 8 };

const { notificationFailed } = proxyActivities<NotificationActivities>({ startToCloseTimeout: '30 seconds', retry: { maximumInterval: '1 minute' } });

/**
 * Sends one notification (an email or a Slack message): retried with backoff while the SMTP server or Slack
 * is unreachable, then recorded as FAILED with an alert for a human. Its own workflow, so a slow mail server
 * never delays routing or the SLA clock.
 */
export async function notificationWorkflow(input: { notificationId: string; retry?: NotificationRetry; attemptsMade?: number }): Promise<'SENT' | 'DONE' | 'FAILED'> {
  const retry = input.retry ?? DEFAULT_NOTIFICATION_RETRY;
  const left = retry.maximumAttempts - (input.attemptsMade ?? 0);
  const { sendNotification } = proxyActivities<NotificationActivities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: `${retry.initialSeconds} seconds`, backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: Math.max(1, left) },
  });
  const giveUp = async () => {
    await notificationFailed({ notificationId: input.notificationId });
    return 'FAILED' as const;
  };
  // The dispatcher made the first attempt (worker/firstAttempts.ts): the retries go on from there, after the
  // first wait, and no more of them than NOTIFICATION_MAX_ATTEMPTS allows.
  if (input.attemptsMade) {
    if (left <= 0) return giveUp();
    await sleep(`${retry.initialSeconds} seconds`);
  }
  try {
    return await sendNotification({ notificationId: input.notificationId });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    return giveUp();
  }
}

// Short-lived: a run finishes on the build that started it.
versioning('PINNED', notificationWorkflow);
