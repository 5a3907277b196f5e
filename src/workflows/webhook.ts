import { ActivityFailure, proxyActivities, sleep } from '@temporalio/workflow';
import type { WebhookActivities } from '../activities/webhooks';
import { versioning } from './versioning';

export interface DeliveryRetry {
  initialInterval: string;
  maximumAttempts: number;
}

/** Ten attempts over about 8.5 minutes: the waits between them double from 1 s (1 + 2 + … + 256 s = 511 s). */
export const DEFAULT_DELIVERY_RETRY: DeliveryRetry = { initialInterval: '1 second', maximumAttempts: 10 };

/**
 * Delivers one event to one webhook: retried with exponential backoff until the receiver accepts it or the
 * attempts run out, then recorded as FAILED. Its own workflow, so a slow or broken receiver never delays a
 * lead's routing.
 */
export async function webhookDeliveryWorkflow(input: { deliveryId: string; retry?: DeliveryRetry; attemptsMade?: number }): Promise<string> {
  const retry = input.retry ?? DEFAULT_DELIVERY_RETRY;
  const left = retry.maximumAttempts - (input.attemptsMade ?? 0);
  const { deliverWebhook, markDeliveryFailed } = proxyActivities<WebhookActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: retry.initialInterval, backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: Math.max(1, left) },
  });
  const giveUp = async () => {
    await markDeliveryFailed({ deliveryId: input.deliveryId });
    return 'FAILED';
  };
  // The dispatcher made the first attempt (worker/firstAttempts.ts): the retries go on from there, after the
  // first wait, and no more of them than the schedule allows.
  if (input.attemptsMade) {
    if (left <= 0) return giveUp();
    await sleep(retry.initialInterval);
  }
  try {
    await deliverWebhook({ deliveryId: input.deliveryId });
    return 'DELIVERED';
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    return giveUp();
  }
}

// Short-lived: a run finishes on the build that started it.
versioning('PINNED', webhookDeliveryWorkflow);
