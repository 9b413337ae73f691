import { STATUS_CODES } from 'node:http';
import swagger, { type StaticDocumentSpec } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { type AppRouter, appRouter } from '@goated/api';
import {
  type AppDeps,
  buildOpenApiDocument,
  problemContentType,
  RateLimitedError,
  REST_BASE_PATH,
} from '@goated/api/server';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import {
  type CreateOpenApiFastifyPluginOptions,
  coerceSchema,
  fastifyTRPCOpenApiPlugin,
  getInputOutputParsers,
  instanceofZodTypeObject,
  type OpenApiProcedure,
  unwrapZodType,
} from 'trpc-to-openapi';

export interface RestPluginOptions {
  deps: AppDeps;
  /** The same context factory as /trpc: same identity, rate limits and walls. */
  createContext: CreateOpenApiFastifyPluginOptions<AppRouter>['createContext'];
  /** Told about failed calls (auth failures are counted, internal errors logged). */
  onError: CreateOpenApiFastifyPluginOptions<AppRouter>['onError'];
}

interface ProblemDetails {
  type: 'about:blank';
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  issues?: { path: (string | number)[]; message: string }[];
  retryAfterSeconds?: number;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function isIssue(value: unknown): value is { path: (string | number)[]; message: string } {
  return (
    isRecord(value) &&
    typeof value.message === 'string' &&
    Array.isArray(value.path) &&
    value.path.every((part) => typeof part === 'string' || typeof part === 'number')
  );
}

function problem(status: number, code: string, detail: string, instance: string): ProblemDetails {
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail, instance, code };
}

function sendProblem(reply: FastifyReply, body: ProblemDetails) {
  return reply.code(body.status).type(problemContentType).send(JSON.stringify(body));
}

/**
 * trpc-to-openapi's error body (`{ message, code, issues, data: <our error shape> }`) as RFC 9457
 * problem details. The data part comes from the router's error formatter: field-by-field
 * issues, the retry hint, and no internal detail.
 */
function toProblem(status: number, payload: string, instance: string): ProblemDetails {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    body = null;
  }
  const record = isRecord(body) ? body : {};
  const data = isRecord(record.data) ? record.data : {};
  const code = typeof record.code === 'string' ? record.code : 'INTERNAL_SERVER_ERROR';
  const issues = Array.isArray(data.zodIssues)
    ? data.zodIssues.filter(isIssue).map(({ path, message }) => ({ path, message }))
    : undefined;
  const detail =
    status >= 500 && code === 'INTERNAL_SERVER_ERROR'
      ? 'Internal server error'
      : issues?.length
        ? issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`).join('; ')
        : typeof record.message === 'string'
          ? record.message
          : (STATUS_CODES[status] ?? 'Error');
  return {
    ...problem(status, code, detail, instance),
    ...(issues ? { issues } : {}),
    ...(typeof data.retryAfterSeconds === 'number' ? { retryAfterSeconds: data.retryAfterSeconds } : {}),
  };
}

/**
 * Query strings are text: the REST layer coerces number fields of these procedures' inputs
 * (trpc-to-openapi does it on a procedure's first REST call, by flagging its schemas). Done
 * here for all of them at start instead, so both transports validate the same way from the
 * first request on. (None of these inputs has a boolean, whose string coercion would be wrong.)
 */
function isRestProcedure(value: unknown): value is OpenApiProcedure {
  if (typeof value !== 'function' || !('_def' in value)) return false;
  const def: unknown = value._def;
  return (
    typeof def === 'object' &&
    def !== null &&
    'meta' in def &&
    typeof def.meta === 'object' &&
    def.meta !== null &&
    'openapi' in def.meta
  );
}

function coerceRestInputs() {
  for (const procedure of Object.values<unknown>(appRouter._def.procedures)) {
    if (!isRestProcedure(procedure)) continue;
    const { inputParser } = getInputOutputParsers(procedure);
    const schema = unwrapZodType(inputParser, true);
    if (instanceofZodTypeObject(schema)) coerceSchema(schema);
  }
}

function isSwaggerDocument(doc: unknown): doc is StaticDocumentSpec['document'] {
  return typeof doc === 'object' && doc !== null && 'openapi' in doc && 'info' in doc && 'paths' in doc;
}

/**
 * The REST API for every language: `/api/v1/…` (trpc-to-openapi over the same procedures),
 * its OpenAPI document at `/api/openapi.json`, an interactive reference at `/api/docs`
 * (Swagger UI, served from the package: no CDN), and JSON 404s for anything else under /api.
 */
export const restPlugin: FastifyPluginAsync<RestPluginOptions> = async (app, { deps, createContext, onError }) => {
  const document = buildOpenApiDocument(appRouter, { version: deps.version });
  coerceRestInputs();

  app.get('/api/openapi.json', async (_req, reply) => reply.type('application/json').send(document));

  if (!isSwaggerDocument(document)) throw new Error('the generated OpenAPI document has no info or paths');
  await app.register(swagger, { mode: 'static', specification: { document } });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true, tryItOutEnabled: false },
    // Its initializer is a file of its own, so the page runs under our CSP (scripts from 'self').
    staticCSP: false,
  });

  await app.register(async (v1) => {
    // The adapter rewrites the request's URL to the path below /api/v1: remember the real one.
    const requestPaths = new WeakMap<FastifyRequest, string>();
    v1.addHook('onRequest', async (req, reply) => {
      const path = req.url.split('?')[0] ?? req.url;
      requestPaths.set(req, path);
      // A NUL character in the path is a bad request, not a route that is not found (the
      // adapter matches no route for it). In a query value it reaches the procedure, whose
      // check names the field (storable-text middleware).
      if (path.includes('%00')) {
        return sendProblem(reply, {
          ...problem(400, 'BAD_REQUEST', 'The address must not contain NUL characters (%00)', path),
          issues: [{ path: [], message: 'must not contain NUL characters' }],
        });
      }
    });
    // Every answer of the REST routes that is an error leaves as problem details.
    v1.addHook('onSend', async (req, reply, payload) => {
      if (reply.statusCode < 400 || typeof payload !== 'string') return payload;
      if (String(reply.getHeader('content-type')).startsWith(problemContentType)) return payload;
      reply.type(problemContentType);
      return JSON.stringify(toProblem(reply.statusCode, payload, requestPaths.get(req) ?? REST_BASE_PATH));
    });
    const options: CreateOpenApiFastifyPluginOptions<AppRouter> = {
      basePath: REST_BASE_PATH,
      router: appRouter,
      createContext,
      onError,
      responseMeta: ({ errors }) => {
        const limited = errors.map((e) => e.cause).find((c) => c instanceof RateLimitedError);
        return limited ? { headers: { 'retry-after': String(Math.ceil(limited.retryAfterMs / 1000)) } } : {};
      },
    };
    await v1.register((instance, _opts, done) => fastifyTRPCOpenApiPlugin<AppRouter>(instance, options, done));
  });

  // Anything else under /api is a JSON 404 (never the dashboard's page).
  const notFound = (req: FastifyRequest, reply: FastifyReply) =>
    sendProblem(
      reply,
      problem(
        404,
        'NOT_FOUND',
        `No such API path: the REST API is under ${REST_BASE_PATH} (see /api/docs)`,
        req.url.split('?')[0] ?? req.url,
      ),
    );
  app.all('/api', notFound);
  app.all('/api/*', notFound);
};
