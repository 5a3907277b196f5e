import { z } from 'zod';
import { SCOPES, OPERATOR_SCOPES, type Scope } from './apiKeys';
import { Email, IdOf, Timestamp, TrimmedText } from './common';

/**
 * People who sign in to the console, each with one role. A role is a set of the API's scopes, so a person
 * and a key are authorized by the same checks on the same routes.
 */
export const ROLES = ['owner', 'admin', 'manager', 'viewer'] as const;
export const Role = z.enum(ROLES).meta({ id: 'Role' });
export type Role = z.infer<typeof Role>;

const TENANT_SCOPES = SCOPES.filter((s) => !OPERATOR_SCOPES.includes(s));
const READS = TENANT_SCOPES.filter((s) => s.endsWith(':read') && s !== 'keys:read' && s !== 'users:read' && s !== 'audit:read');

export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  // Everything in the organization, keys and people included.
  owner: TENANT_SCOPES,
  // The configuration: everything but keys and people (whom they may see).
  admin: TENANT_SCOPES.filter((s) => !s.startsWith('keys:') && s !== 'users:write'),
  // The daily work: reps, leads and reassignments, contacts; the rest read-only.
  manager: [...new Set<Scope>([...READS, 'leads:write', 'reps:write', 'contacts:write'])],
  viewer: READS,
};

const Password = z.string().min(12, 'at least 12 characters').max(256).meta({ description: '12 to 256 characters' });

export const User = z
  .object({
    id: IdOf('user'),
    email: z.string(),
    name: z.string(),
    role: Role,
    active: z.boolean(),
    sign_in: z.enum(['PASSWORD', 'NONE']).meta({ description: 'NONE: invited but never accepted, or signed in by single sign-on only' }),
    locked_until: Timestamp.nullable().meta({ description: 'Set after repeated failed sign-ins' }),
    last_sign_in_at: Timestamp.nullable(),
    created_at: Timestamp,
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof User>;

export const UserUpdate = z
  .strictObject({
    role: Role.optional(),
    active: z.boolean().optional().meta({ description: 'false signs the user out everywhere and keeps them out' }),
    name: TrimmedText(1, 200).optional(),
  })
  .meta({ id: 'UserUpdate' });
export type UserUpdate = z.infer<typeof UserUpdate>;

export const InvitationCreate = z.strictObject({ email: Email, role: Role }).meta({ id: 'InvitationCreate' });
export type InvitationCreate = z.infer<typeof InvitationCreate>;

export const Invitation = z
  .object({
    id: IdOf('invitation'),
    email: z.string(),
    role: Role,
    expires_at: Timestamp,
    accept_url: z.string().nullable().meta({ description: 'The single-use link, shown once (null on a replay); it is also emailed when SMTP is set up' }),
    emailed: z.boolean().meta({ description: 'Whether the invitation email was handed to the SMTP server' }),
    created_at: Timestamp,
  })
  .meta({ id: 'Invitation' });
export type Invitation = z.infer<typeof Invitation>;

export const InvitationAccept = z
  .strictObject({
    token: z.string().min(20).max(200),
    name: TrimmedText(1, 200),
    password: Password,
  })
  .meta({ id: 'InvitationAccept' });
export type InvitationAccept = z.infer<typeof InvitationAccept>;

export const SignIn = z.strictObject({ email: z.string().min(3).max(320), password: z.string().min(1).max(256) }).meta({ id: 'SignIn' });
export type SignIn = z.infer<typeof SignIn>;

export const Session = z
  .object({
    user: User,
    organization_id: IdOf('org'),
    scopes: z.array(z.string()).meta({ description: "What the user's role lets them do" }),
    csrf_token: z.string().meta({ description: 'Send it as X-CSRF-Token with every request that changes something' }),
    idle_expires_at: Timestamp,
    expires_at: Timestamp,
  })
  .meta({ id: 'Session' });
export type Session = z.infer<typeof Session>;
