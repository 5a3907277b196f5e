import { z } from 'zod';
import { Attributes } from './leads';
import { normalizeDomain } from '../routing/domains';
import { IdOf, OptionalText, PageQuery, Timestamp } from './common';

/** A domain as a path names it: any case, with or without www., is the same account. */
export const AccountDomainParam = z
  .string()
  .max(253)
  .transform((d, ctx) => normalizeDomain(d) ?? (ctx.addIssue({ code: 'custom', message: 'not a domain name' }), z.NEVER))
  .meta({ description: 'The account\'s domain (case and a leading www. do not matter)', example: 'acme.com' });

export const Account = z
  .object({
    domain: z.string().meta({ description: 'Lower case, without www.', example: 'acme.com' }),
    name: z.string().nullable(),
    owner_rep_id: z.string().nullable().meta({ description: 'The rep who owns the account: OWNER routing sends its leads to them when their contact has no owner' }),
    attributes: z.record(z.string(), z.unknown()),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({
    id: 'Account',
    description:
      'A company, keyed by domain. Created from the first lead whose domain (its `domain` field, else its email\'s) is not free mail, at the registrable domain (mail.acme.co.uk → acme.co.uk); ' +
      'a lead from a sub-domain matches the most specific account that exists (create eu.acme.com to tell it apart from acme.com).',
  });
export type Account = z.infer<typeof Account>;

export const AccountUpsert = z
  .strictObject({
    name: OptionalText(300),
    owner_rep_id: IdOf('rep').nullable().optional().meta({ description: 'null: no owner' }),
    attributes: Attributes.optional().meta({ description: 'Merged into the account\'s attributes; an attribute set to null is removed' }),
  })
  .meta({ id: 'AccountUpsert', description: 'Creates the account, or changes the fields given' });
export type AccountUpsert = z.infer<typeof AccountUpsert>;

export const AccountListQuery = PageQuery.extend({
  cursor: z.string().regex(/^[a-z0-9.-]{1,253}$/, 'not a cursor this API issued').optional().meta({ description: 'Opaque cursor from the Link header of the previous page' }),
  owner_rep_id: IdOf('rep').optional(),
  domain: z.string().max(253).optional().meta({ description: 'This domain and its sub-domains' }),
});
export type AccountListQuery = z.infer<typeof AccountListQuery>;
