/**
 * The OpenAPI 3.1 document of the REST API (`/api/v1/…`), generated from the router: every
 * procedure with `meta.openapi` (its path) and `.output()` becomes an operation, its zod
 * schemas its parameters and responses (trpc-to-openapi over zod-openapi). The one step added
 * here is the error format: answers are RFC 9457 problem details, so the library's error
 * schemas are replaced by one `Problem`, and every operation documents the rate limit (429).
 */
import type { AnyTRPCRouter } from '@trpc/server';
import { generateOpenApiDocument } from 'trpc-to-openapi';

export const REST_BASE_PATH = '/api/v1';

export const problemContentType = 'application/problem+json';

const problemSchema = {
  type: 'object',
  description: 'An error, as RFC 9457 problem details',
  properties: {
    type: { type: 'string', description: 'Always "about:blank": `title` is the HTTP status phrase' },
    title: { type: 'string', example: 'Bad Request' },
    status: { type: 'integer', example: 400 },
    detail: {
      type: 'string',
      description: 'What went wrong, for a person',
      example: 'limit: Too big: expected number to be <=100',
    },
    instance: { type: 'string', description: 'The request path', example: '/api/v1/leaderboard/month' },
    code: { type: 'string', description: 'The tRPC error code', example: 'BAD_REQUEST' },
    issues: {
      type: 'array',
      description: 'For invalid input: each rejected field (path) and why',
      items: {
        type: 'object',
        properties: {
          path: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
          message: { type: 'string' },
        },
        required: ['path', 'message'],
      },
    },
    retryAfterSeconds: { type: 'integer', description: 'For 429: when to try again (also the Retry-After header)' },
  },
  required: ['type', 'title', 'status', 'detail', 'code'],
} as const;

type Json = Record<string, unknown>;

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const problemResponse = (description: string): Json => ({
  description,
  content: { [problemContentType]: { schema: { $ref: '#/components/schemas/Problem' } } },
});

export interface RestDocumentOptions {
  /** The server's version (the document's `info.version`). */
  version: string;
}

/** The document served at `/api/openapi.json`. */
export function buildOpenApiDocument(router: AnyTRPCRouter, options: RestDocumentOptions): Json {
  const generated: Json = JSON.parse(
    JSON.stringify(
      generateOpenApiDocument(router, {
        title: 'GoatedVIPs API',
        version: options.version,
        baseUrl: REST_BASE_PATH,
        description: [
          'Leaderboards, races and players as plain JSON over HTTP, generated from the same schemas as the typed tRPC API.',
          'Authentication: `Authorization: Bearer <API key>` (keys start with `gvk_`; admins create them). Public reads need none.',
          'Rate limits: per caller (key, else address) and minute, in tiers (queries, mutations); over the limit the answer is 429 with `Retry-After`.',
          `Errors are RFC 9457 problem details (\`${problemContentType}\`).`,
          'Times are ISO 8601 strings (UTC); amounts are exact decimal strings in USD.',
        ].join('\n\n'),
        securitySchemes: {
          Authorization: { type: 'http', scheme: 'bearer', description: 'An API key (gvk_…) or a session token' },
        },
      }),
    ),
  );
  const paths = isJson(generated.paths) ? generated.paths : {};
  for (const pathItem of Object.values(paths)) {
    if (!isJson(pathItem)) continue;
    for (const operation of Object.values(pathItem)) {
      if (!isJson(operation) || !isJson(operation.responses)) continue;
      const responses = operation.responses;
      for (const [status, response] of Object.entries(responses)) {
        if (Number(status) >= 400 && isJson(response)) {
          responses[status] = problemResponse(String(response.description ?? 'Error'));
        }
      }
      responses['429'] = {
        ...problemResponse('Too many requests: retry after the number of seconds in Retry-After'),
        headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
      };
    }
  }
  const components = isJson(generated.components) ? generated.components : {};
  const schemas = isJson(components.schemas) ? components.schemas : {};
  for (const name of Object.keys(schemas)) if (name.startsWith('error.')) delete schemas[name];
  schemas.Problem = problemSchema;
  generated.components = { ...components, schemas };
  return generated;
}
