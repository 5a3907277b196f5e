import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
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
export async function webhookDeliveryWorkflow(input: { deliveryId: string; retry?: DeliveryRetry }): Promise<string> {
  const retry = input.retry ?? DEFAULT_DELIVERY_RETRY;
  const { deliverWebhook, markDeliveryFailed } = proxyActivities<WebhookActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: retry.initialInterval, backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: retry.maximumAttempts },
  });
  try {
    await deliverWebhook({ deliveryId: input.deliveryId });
    return 'DELIVERED';
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    await markDeliveryFailed({ deliveryId: input.deliveryId });
    return 'FAILED';
  }
}

// Short-lived: a run finishes on the build that started it.
versioning('PINNED', webhookDeliveryWorkflow);
