import { z } from 'zod';
import { IdOf } from '../../schemas/common';
import { Erasure, ErasureRequest } from '../../schemas/privacy';
import { erase, getErasure } from '../../services/privacy';
import { route } from '../route';

const tag = 'Privacy';

export const privacyRoutes = [
  route({
    method: 'post',
    path: '/v1/privacy/erasures',
    operationId: 'erasePerson',
    audit: { resource: 'erasure', action: 'created' },
    tag,
    summary: 'Forget a person: every lead and contact with this email redacted, their outboxes scrubbed, their Temporal histories deleted',
    description:
      "Leads keep their routing facts (rep, rule, strategy, times) with the person's fields redacted (email becomes erased@erased.invalid); an open lead is closed. " +
      'Contacts lose email, name, phone, company and attributes; timeline data, activity notes, notifications and webhook deliveries are scrubbed (pending ones never go out); stored Idempotency-Key answers naming the leads are deleted; ' +
      "the leads' workflow executions are deleted from Temporal (terminated first if running). The answer (and the audit entry) holds counts, never the email. Asking again erases nothing more.",
    scope: 'privacy:write',
    body: ErasureRequest,
    response: Erasure,
    handler: (ctx, { body }) => erase(ctx.deps, ctx.orgId, body, { keyId: ctx.principal.keyId, userId: ctx.principal.userId ?? null }),
  }),
  route({
    method: 'get',
    path: '/v1/privacy/erasures/:id',
    operationId: 'getErasure',
    tag,
    summary: 'An erasure job and what it removed',
    scope: 'privacy:read',
    params: z.object({ id: IdOf('erasure') }),
    response: Erasure,
    errors: [404],
    handler: (ctx, { params }) => getErasure(ctx.deps, ctx.orgId, params.id),
  }),
];
