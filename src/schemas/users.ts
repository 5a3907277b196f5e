import { z } from 'zod';
import { SCOPES, OPERATOR_SCOPES, type Scope } from './apiKeys';
import { Email, IdOf, TeamList, Timestamp, TrimmedText } from './common';

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
  // The daily work: reps, leads and reassignments, contacts, and the routing rules (sales-ops managers own
  // them: the console's rules editor is theirs); the rest of the configuration read-only.
  manager: [...new Set<Scope>([...READS, 'leads:write', 'reps:write', 'contacts:write', 'rules:write'])],
  viewer: READS,
};

const Password = z.string().min(12, 'at least 12 characters').max(256).meta({ description: '12 to 256 characters' });

export const User = z
  .object({
    id: IdOf('user'),
    email: z.string(),
    name: z.string(),
    role: Role,
    teams: z.array(z.string()).meta({ description: "A manager's teams: the intelligence they see is limited to them" }),
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
    teams: TeamList.optional().meta({ description: "A manager's teams (reps' team names): their intelligence is limited to these" }),
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

const Domain = z
  .string()
  .max(253)
  .regex(/^[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$/, 'a lower-case domain name such as acme.io')
  .meta({ description: 'A lower-case domain name' });

export const SsoConnectionPut = z
  .strictObject({
    issuer: z.url().max(500).meta({ description: "The identity provider's issuer URL (its /.well-known/openid-configuration is read from it)" }),
    client_id: z.string().min(1).max(500),
    client_secret: z.string().min(1).max(2000).optional().meta({ description: 'Required the first time; left out later, the stored one is kept' }),
    email_domains: z
      .array(Domain)
      .min(1)
      .max(50)
      .refine((d) => new Set(d).size === d.length, 'email_domains must not repeat')
      .meta({ description: 'People whose email is at one of these sign in here; each domain belongs to one organization', uniqueItems: true }),
    default_role: Role.default('viewer').meta({ description: 'The role of a person the provider signs in for the first time, when role_claim says nothing' }),
    role_claim: z.string().min(1).max(200).nullable().optional().meta({ description: "A claim (such as groups) whose value, or any of whose values, role_map turns into a role; it then decides at every sign-in" }),
    role_map: z.record(z.string().min(1).max(200), Role).optional().meta({ description: 'Claim value → role; the highest role that matches wins' }),
  })
  .meta({ id: 'SsoConnectionPut' });
export type SsoConnectionPut = z.infer<typeof SsoConnectionPut>;

export const SsoConnection = z
  .object({
    issuer: z.string(),
    client_id: z.string(),
    client_secret: z.literal('********'),
    email_domains: z.array(z.string()),
    default_role: Role,
    role_claim: z.string().nullable(),
    role_map: z.record(z.string(), Role),
    redirect_uri: z.string().meta({ description: 'Register it with the provider as the redirect URI' }),
    start_url: z.string().meta({ description: 'Where a person starts signing in (the console links here): add ?email=' }),
    updated_at: Timestamp,
  })
  .meta({ id: 'SsoConnection' });
export type SsoConnection = z.infer<typeof SsoConnection>;
