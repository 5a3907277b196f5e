import type { z } from 'zod';
import type { ErrorCode } from './schemas/common';

export interface ErrorDetail {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const unauthorized = (message = 'Missing or invalid API key') => new ApiError(401, 'UNAUTHORIZED', message);
export const forbidden = (message: string) => new ApiError(403, 'FORBIDDEN', message);
export const notFound = (what: string) => new ApiError(404, 'NOT_FOUND', `${what} not found`);
export const conflict = (message: string, details?: ErrorDetail[]) => new ApiError(409, 'CONFLICT', message, details);
export const serviceUnavailable = (message: string) => new ApiError(503, 'SERVICE_UNAVAILABLE', message);
export const invalid = (message: string, details?: ErrorDetail[]) =>
  new ApiError(422, 'VALIDATION_ERROR', message, details);

/** `rules[2].when.all[0].op`: the way a person would point at the element in the JSON they sent. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

export function zodDetails(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): ErrorDetail[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    // For unknown keys zod reports the parent; naming each offending key is far more useful.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: formatPath([...path, key]), message: 'unknown field' }));
    }
    return [{ path: formatPath(path) || '(root)', message: issue.message }];
  });
}

export function fromZod(error: z.ZodError, what: string, prefix: ReadonlyArray<PropertyKey> = []): ApiError {
  const details = zodDetails(error, prefix);
  const first = details[0];
  return invalid(first ? `Invalid ${what}: ${first.path} ${first.message}` : `Invalid ${what}`, details);
}
