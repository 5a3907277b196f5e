import { timingSafeEqual } from 'node:crypto';
import { parseOutboundMessage } from '../crm/salesforce/outboundMessage';
import { connectionByIntakeToken, type CrmConnectionRow } from '../db/crmConnections';
import { insertCrmEvents } from '../db/crmEvents';
import { unauthorized } from '../errors';
import { newId } from '../ids';
import type { ServiceDeps } from './deps';
import { intakeTokenHash } from './salesforce';

/**
 * Salesforce's outbound messages: the token in the URL names the connection, and the message's OrganizationId
 * must be that connection's org; otherwise nothing is written. Each Lead id is taken once, however often and in
 * whatever order Salesforce sends it (it retries for 24 hours); the Ack goes back only once the events are stored.
 */
const REFUSED = 'The outbound message token or its OrganizationId is not a Salesforce connection here';

const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The connection the URL's token names; checked before a byte of the body is read. */
export async function outboundConnection(deps: Pick<ServiceDeps, 'db'>, token: string | undefined): Promise<CrmConnectionRow> {
  if (!token || token.length > 200) throw unauthorized(REFUSED);
  const connection = await connectionByIntakeToken(deps.db, 'salesforce', intakeTokenHash(token));
  if (!connection) throw unauthorized(REFUSED);
  return connection;
}

export async function takeOutboundMessage(deps: Pick<ServiceDeps, 'db' | 'config'>, connection: CrmConnectionRow, xml: string): Promise<{ received: number; duplicates: number }> {
  const message = parseOutboundMessage(xml);
  // Salesforce writes the org id with 18 characters; a 15-character one is the same org.
  if (!sameText(message.organizationId.slice(0, 15), connection.account_id.slice(0, 15))) throw unauthorized(REFUSED);
  const leads = [...new Set(message.notifications.map((n) => n.leadId))];
  const events = leads.map((leadId) => ({ org_id: connection.org_id, event_key: `lead-created:${leadId.slice(0, 15)}`, kind: 'created' as const, object_id: leadId, property: null }));
  const received = await insertCrmEvents(deps.db, 'salesforce', deps.config.TEMPORAL_TASK_QUEUE, newId('crmBatch'), events);
  return { received, duplicates: message.notifications.length - received };
}
