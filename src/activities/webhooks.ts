import { outboxAttempts } from '../metrics/metrics';
import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/knex';
import * as store from '../db/webhooks';
import { openText, parseKeyring } from '../crypto/keyring';
import { FAILURE } from '../lead/model';
import { describeFailure, outboundPolicy, postJson } from '../net/outbound';
import { sign } from '../crypto/webhookSignature';

const TIMEOUT_MS = 10_000;

/** `outboundCa`: a private CA (OUTBOUND_CA_FILE) that receivers' certificates may chain to. */
export function webhookActivities(db: Db, opts: { outboundTargets: string; encryptionKeys?: string; outboundCa?: string }) {
  const policy = outboundPolicy(opts.outboundTargets);
  const keyring = opts.encryptionKeys ? parseKeyring(opts.encryptionKeys) : null;
  const signingSecret = (stored: string) => (keyring ? openText(keyring, stored) : stored);
  return {
    /**
     * One delivery attempt: POSTs the event, signed, and records the attempt. Anything but a 2xx throws, and
     * Temporal retries with exponential backoff (see the delivery workflow).
     */
    async deliverWebhook({ deliveryId }: { deliveryId: string }): Promise<{ status: number }> {
      const d = await store.findDelivery(db, deliveryId);
      if (!d || d.status !== 'PENDING') return { status: d?.last_status_code ?? 0 };
      const hook = await store.webhookOf(db, d);
      if (!hook?.active) {
        await store.failDelivery(db, deliveryId, 'webhook deleted or disabled');
        return { status: 0 };
      }
      const body = JSON.stringify(d.payload);
      const started = new Date();
      let status = 0;
      let error: string | null = null;
      try {
        const headers = {
          'user-agent': 'Routeswit-Webhooks/1',
          'routeswit-event': d.event_type,
          'routeswit-delivery': d.id,
          'routeswit-signature': sign(signingSecret(hook.secret), body, Math.floor(started.getTime() / 1000)),
        };
        status = (await postJson(hook.url, body, headers, policy, TIMEOUT_MS, opts.outboundCa)).status;
        if (status < 200 || status >= 300) error = `receiver answered ${status}`;
      } catch (err) {
        error = describeFailure(err);
      }
      await store.recordAttempt(db, deliveryId, { status, error, at: started });
      outboxAttempts.inc({ outbox: 'webhook_deliveries', result: error ? 'failed' : 'ok' });
      if (error) throw ApplicationFailure.retryable(error, FAILURE.WEBHOOK_NOT_ACCEPTED);
      return { status };
    },

    async markDeliveryFailed({ deliveryId }: { deliveryId: string }): Promise<void> {
      await store.failDelivery(db, deliveryId);
      outboxAttempts.inc({ outbox: 'webhook_deliveries', result: 'gave_up' });
    },
  };
}
export type WebhookActivities = ReturnType<typeof webhookActivities>;
