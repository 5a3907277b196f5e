import { z } from 'zod';
import { Email, IdOf, Timestamp } from './common';

export const ErasureRequest = z
  .strictObject({ email: Email.meta({ description: "The person's email address: every lead and contact with it (any case) is erased" }) })
  .meta({ id: 'ErasureRequest' });
export type ErasureRequest = z.infer<typeof ErasureRequest>;

export const ERASED_KINDS = ['leads', 'contacts', 'events', 'activities', 'notifications', 'deliveries', 'stored_answers', 'workflows'] as const;

export const Erasure = z
  .object({
    id: IdOf('erasure'),
    status: z.enum(['COMPLETED']),
    counts: z
      .object(Object.fromEntries(ERASED_KINDS.map((k) => [k, z.number().int()])) as Record<(typeof ERASED_KINDS)[number], z.ZodNumber>)
      .meta({
        description:
          'What was erased: leads and contacts redacted (leads keep their routing facts: rep, rule, times), their timeline data, activity notes, notifications and webhook deliveries scrubbed (pending ones cancelled), stored idempotent answers deleted, and their Temporal workflow executions deleted',
      }),
    created_at: Timestamp,
    finished_at: Timestamp.nullable(),
  })
  .meta({ id: 'Erasure', description: 'An erasure job. It names no person: what was asked for is not kept' });
export type Erasure = z.infer<typeof Erasure>;
