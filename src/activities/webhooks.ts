import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/knex';
import type { DeliveryRow, WebhookRow } from '../db/webhooks';
import { openText, parseKeyring } from '../crypto/keyring';
import { describeFailure, outboundPolicy, postJson } from '../net/outbound';
import { sign } from '../services/webhookSignature';

const TIMEOUT_MS = 10_000;

export function webhookActivities(db: Db, opts: { outboundTargets: string; encryptionKeys?: string }) {
  const policy = outboundPolicy(opts.outboundTargets);
  const keyring = opts.encryptionKeys ? parseKeyring(opts.encryptionKeys) : null;
  const signingSecret = (stored: string) => (keyring ? openText(keyring, stored) : stored);
  return {
    /**
     * One delivery attempt: POSTs the event, signed, and records the attempt. Anything but a 2xx throws, and
     * Temporal retries with exponential backoff (see the delivery workflow).
     */
    async deliverWebhook({ deliveryId }: { deliveryId: string }): Promise<{ status: number }> {
      const d = await db<DeliveryRow>('webhook_deliveries').where({ id: deliveryId }).first();
      if (!d || d.status !== 'PENDING') return { status: d?.last_status_code ?? 0 };
      const hook = await db<WebhookRow>('webhooks').where({ id: d.webhook_id }).first();
      if (!hook?.active) {
        await db('webhook_deliveries').where({ id: deliveryId }).update({ status: 'FAILED', last_error: 'webhook deleted or disabled' });
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
        status = (await postJson(hook.url, body, headers, policy, TIMEOUT_MS)).status;
        if (status < 200 || status >= 300) error = `receiver answered ${status}`;
      } catch (err) {
        error = describeFailure(err);
      }
      await db('webhook_deliveries')
        .where({ id: deliveryId })
        .update({
          attempts: db.raw('attempts + 1'),
          last_status_code: status || null,
          last_error: error,
          last_attempt_at: started,
          ...(error ? {} : { status: 'DELIVERED', delivered_at: new Date() }),
        });
      if (error) throw ApplicationFailure.retryable(error, 'WebhookNotAccepted');
      return { status };
    },

    async markDeliveryFailed({ deliveryId }: { deliveryId: string }): Promise<void> {
      await db('webhook_deliveries').where({ id: deliveryId, status: 'PENDING' }).update({ status: 'FAILED' });
    },
  };
}
export type WebhookActivities = ReturnType<typeof webhookActivities>;
