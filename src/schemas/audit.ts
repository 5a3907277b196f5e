import { z } from 'zod';
import { IdOf, PageQuery, Timestamp, TimestampInput } from './common';

export const AUDITED_RESOURCES = ['rep', 'ruleset', 'organization', 'api_key', 'webhook', 'monitor', 'list', 'calendar', 'integration', 'user', 'invitation', 'sso', 'erasure'] as const;
export type AuditedResource = (typeof AUDITED_RESOURCES)[number];
export const AUDIT_ACTIONS = ['created', 'updated', 'deleted', 'published', 'revoked'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AuditEntry = z
  .object({
    id: IdOf('audit'),
    action: z.enum(AUDIT_ACTIONS),
    resource_type: z.enum(AUDITED_RESOURCES),
    resource_id: z.string().nullable(),
    actor_key_id: z.string().nullable().meta({ description: 'The API key that made the change (null: a person in the console, the admin CLI or the system)' }),
    actor_user_id: z.string().nullable().meta({ description: 'The person signed in to the console who made the change' }),
    before: z.unknown().meta({ description: 'The object as it was (null when created); secrets are never in it' }),
    after: z.unknown().meta({ description: 'The object as it became (null when deleted); secrets are never in it' }),
    request_id: z.string(),
    at: Timestamp,
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditQuery = PageQuery.extend({
  resource_type: z.enum(AUDITED_RESOURCES).optional(),
  resource_id: z.string().max(64).optional(),
  actor_key_id: IdOf('key').optional(),
  actor_user_id: IdOf('user').optional(),
  action: z.enum(AUDIT_ACTIONS).optional(),
  after: TimestampInput.optional().meta({ description: 'Changes at or after' }),
  before: TimestampInput.optional().meta({ description: 'Changes before' }),
});
export type AuditQuery = z.infer<typeof AuditQuery>;
