import type { Knex } from 'knex';
import type { Db } from './knex';
import type { OwnerInfo } from '../routing/select';
import { emailDomain } from '../routing/conditions';

type Conn = Db | Knex.Transaction;

export interface ContactRow {
  id: string;
  org_id: string;
  email: string | null;
  external_id: string | null;
  name: string | null;
  phone: string | null;
  company: string | null;
  owner_rep_id: string | null;
  attributes: Record<string, unknown>;
  email_domain: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Free-mail domains say nothing about the company, so their contacts' owners are not domain owners. */
const FREE_MAIL = new Set(['gmail.com', 'googlemail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'live.com', 'icloud.com', 'me.com', 'aol.com', 'gmx.de', 'gmx.net', 'web.de', 'proton.me', 'protonmail.com', 'yandex.ru', 'mail.ru', 'qq.com', '163.com']);

/**
 * For OWNER routing: the owner of the contact with this email, and owners of other contacts at the same
 * company domain, most recently updated first.
 */
export async function ownerInfo(db: Conn, orgId: string, email: string): Promise<OwnerInfo> {
  const lower = email.toLowerCase();
  const contact = await db<ContactRow>('contacts').where({ org_id: orgId, email: lower }).first('owner_rep_id');
  const domain = emailDomain(lower);
  let domainOwners: string[] = [];
  if (domain && !FREE_MAIL.has(domain)) {
    const rows = await db<ContactRow>('contacts')
      .where({ org_id: orgId, email_domain: domain })
      .whereNotNull('owner_rep_id')
      .whereNot({ email: lower })
      .orderBy('updated_at', 'desc')
      .limit(20)
      .select('owner_rep_id');
    domainOwners = [...new Set(rows.map((r) => r.owner_rep_id!))];
  }
  return { contact_owner_id: contact?.owner_rep_id ?? null, domain_owner_ids: domainOwners };
}
