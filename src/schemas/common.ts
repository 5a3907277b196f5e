import { z } from 'zod';
import { ID_PREFIXES, idPattern, type IdKind } from '../ids';

export const Timestamp = z.iso.datetime({ offset: true }).meta({ description: 'ISO 8601 timestamp', example: '2026-11-28T09:30:00.000Z' });

export function IdOf(kind: IdKind, description?: string) {
  return z
    .string()
    .regex(idPattern(kind), `must be a ${kind} id`)
    .meta({ description: description ?? `${kind} id`, example: `${ID_PREFIXES[kind]}_0mijkl000abcdefghijklm` });
}

export const ErrorDetail = z.object({ path: z.string(), message: z.string() });

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum([
        'UNAUTHORIZED',
        'FORBIDDEN',
        'HTTPS_REQUIRED',
        'NOT_FOUND',
        'CONFLICT',
        'PAYLOAD_TOO_LARGE',
        'VALIDATION_ERROR',
        'RATE_LIMITED',
        'SERVER_ERROR',
        'SERVICE_UNAVAILABLE',
      ]),
      message: z.string(),
      details: z.array(ErrorDetail).optional(),
      request_id: z.string(),
    }),
  })
  .meta({ id: 'Error' });
export type ErrorBody = z.infer<typeof ErrorBody>;
export type ErrorCode = ErrorBody['error']['code'];

/** An optional free-text field: trimmed, bounded, and null or absent alike. */
export const OptionalText = (max: number) => z.string().trim().max(max).nullish();

/** Query strings arrive as text; these accept "10" and "true" the way a URL writes them. */
export const QueryInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
export const QueryBool = z.enum(['true', 'false']).transform((v) => v === 'true');

export const PageQuery = z.object({
  limit: QueryInt(1, 500).default(50).meta({ description: 'Page size (max 500)' }),
  cursor: z
    .string()
    .regex(/^[a-z]{2,4}_[0-9a-z]{22}$/, 'not a cursor this API issued')
    .optional()
    .meta({ description: 'Opaque cursor from the Link header of the previous page' }),
});
export type PageQuery = z.infer<typeof PageQuery>;

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
