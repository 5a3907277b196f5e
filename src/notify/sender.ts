/**
 * Who a notification email says it is from, when it goes through the operator's SMTP server (SMTP_URL).
 * A tenant must not be able to send mail in the operator's name from any address it likes: its From must be
 * at a domain the operator allows (MAIL_FROM_DOMAINS, by default the domain of MAIL_FROM), and the envelope
 * sender (where bounces go, what SPF checks) is always the operator's. A tenant with an SMTP server of its own
 * sends as it likes through it.
 */
export interface SenderPolicy {
  /** MAIL_FROM: the operator's own From, and the envelope sender of everything sent through its server. */
  operatorFrom: string;
  /** Domains (lower case) whose addresses a tenant may put in its From on the operator's server. */
  allowedDomains: string[];
}

/** The address in `Name <address>` or a bare address. */
export function addressOf(from: string): string {
  return (/<([^<>]*)>\s*$/.exec(from)?.[1] ?? from).trim();
}

export function domainOf(from: string): string | null {
  const address = addressOf(from);
  const at = address.lastIndexOf('@');
  return at > 0 ? address.slice(at + 1).toLowerCase().replace(/\.+$/, '') : null;
}

export function senderPolicy(operatorFrom: string, domains: string | undefined): SenderPolicy {
  const listed = (domains ?? '').split(',').map((d) => d.trim().toLowerCase()).filter(Boolean);
  const own = domainOf(operatorFrom);
  return { operatorFrom, allowedDomains: listed.length ? listed : own ? [own] : [] };
}

/** Why a tenant may not use `from` on the operator's server, or null when it may. */
export function fromProblem(from: string, policy: SenderPolicy): string | null {
  const domain = domainOf(from);
  if (domain && policy.allowedDomains.includes(domain)) return null;
  const allowed = policy.allowedDomains.length ? policy.allowedDomains.join(', ') : '(none)';
  return `mail through this server's SMTP may come only from addresses at ${allowed} (MAIL_FROM_DOMAINS); set your own smtp_url to send from ${domain ?? 'another domain'}`;
}

/** The From header and envelope sender of one email. */
export function senderFor(orgFrom: string | null, ownServer: boolean, policy: SenderPolicy): { from: string; envelopeFrom?: string } {
  if (ownServer) return { from: orgFrom ?? policy.operatorFrom };
  // A From stored before the policy (or under another one) falls back to the operator's.
  const from = orgFrom && !fromProblem(orgFrom, policy) ? orgFrom : policy.operatorFrom;
  return { from, envelopeFrom: addressOf(policy.operatorFrom) };
}
