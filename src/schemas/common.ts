import { z } from 'zod';
import { ID_PREFIXES, idPattern, type IdKind } from '../ids';

export const Timestamp = z.iso.datetime({ offset: true }).meta({ description: 'ISO 8601 timestamp', example: '2026-11-28T09:30:00.000Z' });

/**
 * A moment the client sends: any RFC 3339 offset is accepted (up to ±23:59) and handed on as UTC, so storage
 * never sees an offset it does not know (Postgres refused `+17:33` and the client got a 422 naming nothing).
 */
export const TimestampInput = Timestamp.transform((t) => new Date(t).toISOString());

/**
 * An email address as the API accepts it: zod's syntax (no quoted local parts, no IP-literal domains), which
 * the document states as a pattern beside `format: email`, stored lower-case.
 */
export const Email = z
  .email()
  .max(320)
  .meta({ pattern: z.regexes.email.source, example: 'ann@acme.io' })
  .transform((e) => e.toLowerCase());

export function IdOf(kind: IdKind, description?: string) {
  return z
    .string()
    .regex(idPattern(kind), `must be a ${kind} id`)
    .meta({ description: description ?? `${kind} id`, example: `${ID_PREFIXES[kind]}_0mijkl000abcdefghijklm` });
}

/** Teams as reps name them: a manager's teams are these names. */
export const TeamList = z
  .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'team names are 1-64 letters, digits, ".", "_" or "-"'))
  .max(50)
  .refine((t) => new Set(t).size === t.length, 'teams must not repeat')
  .meta({ uniqueItems: true });

export const ErrorDetail = z.object({ path: z.string(), message: z.string() });

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum([
        'UNAUTHORIZED',
        'FORBIDDEN',
        'HTTPS_REQUIRED',
        'NOT_FOUND',
        'METHOD_NOT_ALLOWED',
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

/**
 * Required text, trimmed: the document says "has a non-blank character" (a pattern), since length alone would
 * let "   " through on paper and the trimmed value fail here.
 */
export const TrimmedText = (min: 1 | 3, max: number) =>
  z
    .string()
    // The length is checked as sent (the document's maxLength), then the text trimmed.
    .max(max)
    .trim()
    .min(min)
    .meta({ pattern: min === 1 ? '\\S' : '\\S[\\s\\S]+\\S' });

/**
 * An optional free-text field: trimmed, bounded, and null, absent and empty alike (forms and CRMs send "" for
 * "no value"; taking it as a value made two leads with `external_id: ""` the same lead).
 */
export const OptionalText = (max: number) =>
  z
    .string()
    .max(max)
    .trim()
    .transform((v) => (v === '' ? null : v))
    .nullish()
    .meta({ description: 'Empty or blank is the same as null' });

/** Query strings arrive as text; these accept "10" and "true" the way a URL writes them. */
// An empty value (`?wait_ms=`) is not a number: refused, not read as 0.
export const QueryInt = (min: number, max: number) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? Number.NaN : v), z.coerce.number().int().min(min).max(max));
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

/**
 * A named schema or null. `.nullable()` on a schema with an OpenAPI id makes the generator mark the shared
 * component itself nullable (or wrap the reference in an `allOf` that null cannot pass); a union says exactly
 * "this or null" in the document too.
 */
export const orNull = <T extends z.ZodType>(schema: T) => z.union([schema, z.null()]);
