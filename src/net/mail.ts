import dns from 'node:dns/promises';
import nodemailer from 'nodemailer';
import { REFUSED, type OutboundPolicy } from './outbound';

export interface MailMessage {
  from: string;
  /** The envelope sender (MAIL FROM), when it is not the From header's address. */
  envelopeFrom?: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** An SMTP server as a URL: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://host:465 (TLS). */
export interface SmtpTarget {
  url: string;
  /**
   * Set by an organization rather than the operator: the address actually connected to must be allowed by
   * OUTBOUND_TARGETS, like a webhook's (the host is resolved here and the connection made to that address).
   */
  guarded: boolean;
}

const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

async function transportOptions(target: SmtpTarget, policy: OutboundPolicy): Promise<string | Record<string, unknown>> {
  if (!target.guarded) return target.url;
  const u = new URL(target.url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (policy.refusesName(host)) throw Object.assign(new Error(REFUSED), { code: 'EROUTESWITREFUSED' });
  const addresses = await dns.lookup(host, { all: true });
  const address = addresses.find((a) => policy.allows(a.address));
  if (!address) throw Object.assign(new Error(REFUSED), { code: 'EROUTESWITREFUSED' });
  const secure = u.protocol === 'smtps:';
  return {
    host: address.address,
    port: Number(u.port || (secure ? 465 : 587)),
    secure,
    // The certificate is checked against the name, not the address connected to.
    tls: { servername: host },
    ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
  };
}

/** Sends one message; rejects with the SMTP server's or the network's error. */
export async function sendMail(target: SmtpTarget, policy: OutboundPolicy, message: MailMessage): Promise<void> {
  const options = await transportOptions(target, policy);
  const transport = nodemailer.createTransport(typeof options === 'string' ? options : { ...options, ...TIMEOUTS });
  try {
    const { envelopeFrom, ...content } = message;
    await transport.sendMail(envelopeFrom ? { ...content, envelope: { from: envelopeFrom, to: message.to } } : content);
  } finally {
    transport.close();
  }
}

/** What a notification log may say about a failed send: the SMTP reply, or the kind of network failure. */
export function describeMailFailure(err: unknown): string | { code: string } | null {
  const e = err as { responseCode?: number; response?: string; code?: string; message?: string };
  if (typeof e.responseCode === 'number') return `SMTP server answered ${e.responseCode}: ${String(e.response ?? '').slice(0, 200)}`;
  // Socket errors come wrapped (ESOCKET, ETIMEDOUT…): the system error is named in the message.
  const system = /\b(E[A-Z]{3,})\b/.exec(e.message ?? '')?.[1];
  if (e.code === 'ESOCKET' && system) return { code: system };
  if (e.code === 'ETIMEDOUT' || e.code === 'ECONNECTION') return { code: e.code === 'ECONNECTION' ? 'ECONNRESET' : 'ETIMEDOUT' };
  return null;
}
