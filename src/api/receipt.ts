import { z } from 'zod';
import { SCOPES, type Scope } from '../schemas/apiKeys';

/**
 * A key that may write a resource but not read it learns nothing through its writes that it did not send:
 * an empty `PATCH /v1/leads/:id {}` must not return the whole lead. Such a key gets a receipt instead of
 * the object: the object's identity and status, the fields its request sent (as they were validated), and
 * the outcome of the write that the route names (a duplicate, an upsert that changed nothing, a re-route,
 * a secret shown once). A write that stored nothing of what was sent (a duplicate lead) echoes nothing of it
 * either.
 */
export const WriteReceipt = z
  .object({
    receipt: z.literal(true).meta({ description: 'Always true: this is a receipt, not the object' }),
    id: z.string().optional().meta({ description: 'The object written (lists answer with `name`, accounts with `domain`)' }),
    status: z.string().optional(),
  })
  .catchall(z.unknown())
  .meta({
    id: 'WriteReceipt',
    description:
      'What a key with the write scope but not the read scope receives: the id and status of the object written, the fields the request sent, and the outcome of the write (such as `duplicate`, `created`, `reroute`, a `secret` shown once). A key that also reads gets the whole object.',
  });

const IDENTITY = ['id', 'status'] as const;

/** The read scope that lets a key see what it writes with `scope`, if there is one. */
export function readScopeOf(scope: Scope): Scope | null {
  if (!scope.endsWith(':write')) return null;
  const read = scope.replace(/:write$/, ':read');
  return (SCOPES as readonly string[]).includes(read) ? (read as Scope) : null;
}

/** A duplicate lead stored nothing of what was sent: echoing it would pass it off as the lead's data. */
const changedNothing = (answer: Record<string, unknown>) => answer.duplicate === true;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The receipt for `answer` (the object the route would return to a reader), given what the request sent and
 * the answer fields the route keeps (`keep`: outcome fields, secrets shown once, an identity other than id).
 */
export function receiptOf(answer: unknown, sent: unknown, keep: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(answer)) return {};
  const receipt: Record<string, unknown> = {};
  if (isPlainObject(sent) && !changedNothing(answer)) Object.assign(receipt, sent);
  receipt.receipt = true;
  for (const field of [...IDENTITY, ...keep]) if (field in answer) receipt[field] = answer[field];
  return receipt;
}
