import { z } from 'zod';
import { IdOf, PageQuery } from '../../schemas/common';
import { Invitation, InvitationCreate, SsoConnection, SsoConnectionPut, User, UserUpdate } from '../../schemas/users';
import * as sso from '../../services/sso';
import * as service from '../../services/users';
import { listRoute, route } from '../route';

const tag = 'Users';
const UserParams = z.object({ id: IdOf('user') });
const ROLES_TEXT =
  'Roles: `owner` (everything, keys and users included), `admin` (configuration, not keys or users), `manager` (reps, leads and contacts; the rest read-only), `viewer` (read only).';

export const userRoutes = [
  listRoute({
    method: 'get',
    path: '/v1/users',
    operationId: 'listUsers',
    tag,
    summary: 'The people who sign in to the console, with their roles',
    description: ROLES_TEXT,
    scope: 'users:read',
    query: PageQuery,
    response: User,
    handler: (ctx, { query }) => service.listUsers(ctx.deps, ctx.orgId, query),
  }),
  route({
    method: 'post',
    path: '/v1/users/invitations',
    operationId: 'inviteUser',
    audit: { resource: 'invitation', action: 'created' },
    tag,
    summary: 'Invite a person by email with a role: a single-use link that expires (INVITATION_HOURS, default 72)',
    description: `${ROLES_TEXT} The link is emailed through SMTP_URL when it is set, and is in the answer this once (\`accept_url\`) for passing on by hand. An email that is already a user of another organization is 409.`,
    scope: 'users:write',
    body: InvitationCreate,
    response: Invitation,
    secretFields: ['accept_url'],
    errors: [409],
    handler: (ctx, { body }) => service.invite(ctx.deps, ctx.orgId, ctx.principal.userId ?? null, body),
  }),
  route({
    method: 'get',
    path: '/v1/users/:id',
    operationId: 'getUser',
    tag,
    summary: 'A user',
    scope: 'users:read',
    params: UserParams,
    response: User,
    handler: (ctx, { params }) => service.getUser(ctx.deps, ctx.orgId, params.id),
  }),
  route({
    method: 'patch',
    path: '/v1/users/:id',
    operationId: 'updateUser',
    audit: { resource: 'user', action: 'updated' },
    tag,
    summary: "Change a user's role, name or whether they may sign in; a new role or a deactivation signs them out at once",
    description: 'The last active owner cannot be demoted or deactivated (409).',
    scope: 'users:write',
    params: UserParams,
    body: UserUpdate,
    response: User,
    errors: [409],
    handler: (ctx, { params, body }) => service.updateUser(ctx.deps, ctx.orgId, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/v1/users/:id',
    operationId: 'deactivateUser',
    audit: { resource: 'user', action: 'deleted' },
    tag,
    summary: 'Deactivate a user: signed out everywhere, never signed in again; the audit log keeps naming them',
    scope: 'users:write',
    params: UserParams,
    response: User,
    errors: [409],
    handler: (ctx, { params }) => service.deactivateUser(ctx.deps, ctx.orgId, params.id),
  }),
];

export const ssoRoutes = [
  route({
    method: 'put',
    path: '/v1/organization/sso',
    operationId: 'putSsoConnection',
    audit: { resource: 'sso', action: 'updated' },
    tag,
    summary: 'Set up single sign-on with an OpenID Connect provider for people at the given email domains',
    description:
      'Register `redirect_uri` (in the answer) with the provider. People at `email_domains` then sign in at `start_url?email=…` (the console does this); the first sign-in makes their user with the role `role_claim` maps to, else `default_role`. ' +
      'The client secret is sealed with ENCRYPTION_KEYS and never shown again. A domain another organization signs in is 409.',
    alsoChecked: ['each of `email_domains` is not signed in by another organization (409)', 'connecting the first time needs `client_secret` (422)', 'the deployment has ENCRYPTION_KEYS (409)'],
    scope: 'users:write',
    body: SsoConnectionPut,
    response: SsoConnection,
    errors: [409],
    handler: (ctx, { body }) => sso.putSso(ctx.deps, ctx.orgId, body),
  }),
  route({
    method: 'get',
    path: '/v1/organization/sso',
    operationId: 'getSsoConnection',
    tag,
    summary: 'The single sign-on connection (its secret redacted); 404 when none is set up',
    scope: 'users:read',
    response: SsoConnection,
    errors: [404],
    handler: (ctx) => sso.getSso(ctx.deps, ctx.orgId),
  }),
  route({
    method: 'delete',
    path: '/v1/organization/sso',
    operationId: 'deleteSsoConnection',
    audit: { resource: 'sso', action: 'deleted' },
    tag,
    summary: 'Turn single sign-on off: people it made keep their accounts and sign in with a password once they have set one by invitation',
    scope: 'users:write',
    response: SsoConnection,
    errors: [404],
    handler: (ctx) => sso.deleteSso(ctx.deps, ctx.orgId),
  }),
];
