import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ErrorBody } from '../schemas/common';
import { openApiPath, type AnyRoute } from './route';

const ERROR_TEXT: Record<number, string> = {
  401: 'Missing, malformed, unknown or revoked API key',
  403: 'The key lacks the scope, or plain HTTP where HTTPS is required',
  404: 'No such object in this organization',
  409: 'Idempotency-Key reused with a different body, or an illegal state change',
  413: 'Body over 1 MB',
  422: 'Invalid body, query or JSON syntax; `details` names each bad field',
  429: 'Over the per-key rate limit; see Retry-After',
  500: 'Unexpected error, logged with the request id',
  503: 'Temporal did not answer in time; retry (see Retry-After)',
};

function errorResponse(status: number) {
  return { description: ERROR_TEXT[status] ?? 'Error', content: { 'application/json': { schema: ErrorBody } } };
}

const IdempotencyHeader = z.object({
  'Idempotency-Key': z
    .string()
    .max(255)
    .optional()
    .meta({ description: 'Replays the first response for a retried request with the same body; 409 with a different body' }),
});

export function buildOpenApi(routes: AnyRoute[], extraPaths: (registry: OpenAPIRegistry) => void = () => undefined) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A secret (sk_live_…) or restricted (rk_live_…) API key',
  });
  for (const r of routes) {
    const statuses = new Set([401, 403, 422, 429, 500, ...(r.params ? [404] : []), ...(r.method === 'post' ? [409] : []), ...(r.errors ?? [])]);
    if (r.body) statuses.add(413);
    registry.registerPath({
      method: r.method,
      path: openApiPath(r.path),
      tags: [r.tag],
      summary: r.summary,
      description: `${r.description ? `${r.description}\n\n` : ''}Required scope: \`${r.scope}\`.`,
      security: [{ bearer: [] }],
      request: {
        ...(r.params ? { params: r.params } : {}),
        ...(r.query ? { query: r.query } : {}),
        ...(r.method === 'post' ? { headers: IdempotencyHeader } : {}),
        ...(r.body ? { body: { required: true, content: { 'application/json': { schema: r.body } } } } : {}),
      },
      responses: {
        200: {
          description: r.list ? 'A page of results; the next page is in the Link header (rel="next")' : 'OK',
          content: { 'application/json': { schema: r.list ? z.array(r.response) : r.response } },
        },
        ...Object.fromEntries([...statuses].sort().map((s) => [s, errorResponse(s)])),
      },
    });
  }
  extraPaths(registry);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Routeswit API',
      version: '1.0.0',
      description:
        'Lead routing: ingest leads, route them to reps by rules, watch first-touch SLAs. Authenticate with `Authorization: Bearer <key>`.',
    },
    servers: [{ url: '/' }],
  });
}
