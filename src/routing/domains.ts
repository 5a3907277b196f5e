import { getDomain } from 'tldts';
import FREE_MAIL_DOMAINS from 'email-providers/all.json';

/**
 * Which company a lead belongs to, by domain. Kept out of the routing index (and so out of the workflow
 * bundle): only activities and the API need it. The free-mail list is derhuerst/email-providers (about 8,700
 * consumer mail domains, maintained upstream); registrable domains come from the Public Suffix List (tldts),
 * so eu.acme.co.uk belongs to acme.co.uk, not to co.uk.
 */
const FREE_MAIL = new Set<string>(FREE_MAIL_DOMAINS as string[]);
const DOMAIN_RE = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** Lower case, no surrounding dots or spaces, no leading www.; null when it is not a domain name. */
export function normalizeDomain(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const d = raw.trim().toLowerCase().replace(/^\.+|\.+$/g, '').replace(/^www\./, '');
  return DOMAIN_RE.test(d) ? d : null;
}

export function isFreeMail(domain: string): boolean {
  return FREE_MAIL.has(domain) || FREE_MAIL.has(getDomain(domain) ?? domain);
}

/**
 * The domains that could be the lead's account, most specific first: the lead's own domain (its `domain`
 * field, else its email's), then each parent down to the registrable domain. Empty for free mail.
 */
export function accountCandidates(lead: { email: string; domain?: string | null }): string[] {
  const own = normalizeDomain(lead.domain) ?? normalizeDomain(lead.email.slice(lead.email.lastIndexOf('@') + 1));
  if (!own || isFreeMail(own)) return [];
  const registrable = getDomain(own) ?? own;
  const out: string[] = [];
  for (let d = own; ; d = d.slice(d.indexOf('.') + 1)) {
    out.push(d);
    if (d === registrable || !d.includes('.')) break;
  }
  return out;
}
