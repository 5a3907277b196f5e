import { z } from 'zod';
import { IdOf, Timestamp, TrimmedText } from './common';

export const SCOPES = [
  'leads:read',
  'leads:write',
  'reps:read',
  'reps:write',
  'rules:read',
  'rules:write',
  'contacts:read',
  'contacts:write',
  'intelligence:read',
  'intelligence:write',
  'keys:read',
  'keys:write',
  'organization:read',
  'organization:write',
  'notifications:read',
  'audit:read',
  'integrations:read',
  'integrations:write',
  'users:read',
  'users:write',
  'privacy:read',
  'privacy:write',
  'payloads:decode',
] as const;
/**
 * Scopes for the people who run Routeswit, not for tenants: payloads:decode reads any organization's data in
 * Temporal (the codec endpoint the Web UI uses). Secret keys do not have them, and only the admin CLI grants them.
 */
export const OPERATOR_SCOPES: readonly string[] = ['payloads:decode'];
export const Scope = z.enum(SCOPES).meta({ id: 'Scope' });
export type Scope = z.infer<typeof Scope>;

export const ApiKey = z
  .object({
    id: IdOf('key'),
    name: z.string(),
    kind: z.enum(['SECRET', 'RESTRICTED']),
    scopes: z.array(Scope).meta({ description: 'Empty for secret keys, which can do everything in their organization' }),
    token_hint: z.string().meta({ description: 'Prefix and last characters, to recognise a key without revealing it' }),
    created_at: Timestamp,
    last_used_at: Timestamp.nullable(),
    revoked_at: Timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKey = z.infer<typeof ApiKey>;

export const ApiKeyCreate = z
  .strictObject({
    name: TrimmedText(1, 200),
    scopes: z
      .array(Scope)
      .min(1)
      .max(SCOPES.length)
      .refine((s) => new Set(s).size === s.length, 'scopes must not repeat')
      .meta({ uniqueItems: true })
      .optional()
      .meta({ description: 'With scopes the key is a restricted rk_live_ key; without, a secret sk_live_ key' }),
  })
  .meta({ id: 'ApiKeyCreate' });
export type ApiKeyCreate = z.infer<typeof ApiKeyCreate>;

export const ApiKeyCreated = ApiKey.extend({
  secret: z.string().nullable().meta({
    description:
      'The full key, shown this once: only its hash is stored. null when the response is an idempotent replay (header Idempotent-Replayed: true), because the secret is not kept for replays; revoke the key and create another if it was lost.',
  }),
}).meta({ id: 'ApiKeyCreated' });
export type ApiKeyCreated = z.infer<typeof ApiKeyCreated>;
