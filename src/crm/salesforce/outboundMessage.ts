import { XMLParser } from 'fast-xml-parser';
import { SALESFORCE_ID } from './contract';

/**
 * Salesforce Outbound Messages (SOAP 1.1, as the Outbound Messaging guide documents them): a `notifications`
 * element with the org id and up to 100 `Notification`s, each an id and an sObject. Parsed without entities or
 * DTDs (nothing in a message may reach beyond it); what we answer is the `Ack` Salesforce waits for, or a
 * fault, after which it sends the message again (for 24 hours).
 */
export interface OutboundNotification {
  notificationId: string;
  leadId: string;
}
export interface OutboundMessage {
  organizationId: string;
  notifications: OutboundNotification[];
}

export const MAX_NOTIFICATIONS = 100;

const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, processEntities: false, parseTagValue: false, isArray: (name) => name === 'Notification' });

export class OutboundMessageProblem extends Error {}

export function parseOutboundMessage(xml: string): OutboundMessage {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new OutboundMessageProblem('a DOCTYPE or ENTITY declaration is not allowed');
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml, true) as Record<string, unknown>;
  } catch (err) {
    throw new OutboundMessageProblem(`not well-formed XML: ${(err as Error).message.slice(0, 200)}`);
  }
  const n = (doc.Envelope as { Body?: { notifications?: Record<string, unknown> } } | undefined)?.Body?.notifications;
  if (!n || typeof n !== 'object') throw new OutboundMessageProblem('no soapenv:Envelope/soapenv:Body/notifications element');
  const organizationId = typeof n.OrganizationId === 'string' ? n.OrganizationId.trim() : '';
  if (!/^00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/.test(organizationId)) throw new OutboundMessageProblem('OrganizationId is missing or not a Salesforce org id');
  const list = (n.Notification ?? []) as Array<Record<string, unknown>>;
  if (!list.length) throw new OutboundMessageProblem('no Notification');
  if (list.length > MAX_NOTIFICATIONS) throw new OutboundMessageProblem(`more than ${MAX_NOTIFICATIONS} Notifications`);
  const notifications = list.map((x, i) => {
    const notificationId = typeof x.Id === 'string' ? x.Id.trim() : '';
    const leadId = typeof (x.sObject as Record<string, unknown> | undefined)?.Id === 'string' ? String((x.sObject as Record<string, unknown>).Id).trim() : '';
    if (!SALESFORCE_ID.test(notificationId)) throw new OutboundMessageProblem(`Notification ${i + 1} has no Id`);
    if (!SALESFORCE_ID.test(leadId) || !leadId.startsWith('00Q')) throw new OutboundMessageProblem(`Notification ${i + 1} has no Lead sObject with an Id (00Q…)`);
    return { notificationId, leadId };
  });
  return { organizationId, notifications };
}

const ENVELOPE = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>\n`;

export const ackXml = (): string => ENVELOPE('<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse>');

const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

export const faultXml = (code: 'Client' | 'Server', message: string): string =>
  ENVELOPE(`<soapenv:Fault><faultcode>soapenv:${code}</faultcode><faultstring>${escapeXml(message)}</faultstring></soapenv:Fault>`);
