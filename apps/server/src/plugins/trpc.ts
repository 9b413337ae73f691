import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  type AppDeps,
  type AppRouter,
  appRouter,
  type CookieSink,
  createRequestContext,
  RateLimitedError,
} from '@goated/api';
import { TRPCError } from '@trpc/server';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';

/** Collects the Set-Cookie values a procedure asks for; `responseMeta` writes them out. */
class ResponseCookies implements CookieSink {
  readonly values: string[] = [];
  set(serializedCookie: string): void {
    this.values.push(serializedCookie);
  }
}

export interface TrpcPluginOptions {
  deps: AppDeps;
  /** Origins (scheme://host[:port]) besides the server's own that may use the session cookie. */
  allowedOrigins: string[];
}

function originOf(req: IncomingMessage): string | null {
  const origin = req.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') return origin;
  const referer = req.headers.referer;
  if (typeof referer !== 'string') return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}

/**
 * CSRF: the session cookie only counts when the request comes from our own origin or an
 * allowed one. A state-changing request that carries the cookie from elsewhere is refused;
 * other requests from elsewhere are served as signed out.
 */
function cookieFromAllowedOrigin(req: IncomingMessage, allowed: Set<string>): 'allowed' | 'foreign' {
  const origin = originOf(req);
  if (!origin) return req.method === 'POST' ? 'foreign' : 'allowed';
  if (allowed.has(origin)) return 'allowed';
  try {
    return new URL(origin).host === req.headers.host ? 'allowed' : 'foreign';
  } catch {
    return 'foreign';
  }
}

function isFastifyRequest(req: FastifyRequest | IncomingMessage): req is FastifyRequest {
  return 'raw' in req;
}

/** The router over HTTP (batched queries and mutations) and WebSocket (subscriptions) at /trpc. */
export const trpcPlugin: FastifyPluginAsync<TrpcPluginOptions> = async (app, { deps, allowedOrigins }) => {
  const allowed = new Set(allowedOrigins);
  const options: FastifyTRPCPluginOptions<AppRouter> = {
    prefix: '/trpc',
    useWSS: true,
    trpcOptions: {
      router: appRouter,
      // HTTP requests arrive as Fastify requests; WebSocket connections as the raw upgrade request.
      createContext: async ({ req, info }) => {
        const fastifyReq = isFastifyRequest(req) ? req : null;
        const raw = isFastifyRequest(req) ? req.raw : req;
        const cookieHeader = typeof raw.headers.cookie === 'string' ? raw.headers.cookie : null;
        const origin = cookieHeader ? cookieFromAllowedOrigin(raw, allowed) : 'allowed';
        if (origin === 'foreign' && raw.method === 'POST') {
          throw new TRPCError({ code: 'FORBIDDEN', message: 'Cross-origin request refused' });
        }
        const token = info.connectionParams?.token;
        return createRequestContext(deps, {
          requestId: fastifyReq?.id ?? randomUUID(),
          ip: fastifyReq?.ip ?? raw.socket.remoteAddress ?? null,
          cookieHeader: origin === 'allowed' ? cookieHeader : null,
          authorization: typeof raw.headers.authorization === 'string' ? raw.headers.authorization : null,
          connectionToken: typeof token === 'string' ? token : null,
          cookies: fastifyReq ? new ResponseCookies() : null,
        });
      },
      responseMeta({ ctx, errors }) {
        const headers = new Headers();
        if (ctx?.cookies instanceof ResponseCookies) {
          for (const cookie of ctx.cookies.values) headers.append('set-cookie', cookie);
        }
        const limited = errors.map((e) => e.cause).find((c) => c instanceof RateLimitedError);
        if (limited) headers.set('retry-after', String(Math.ceil(limited.retryAfterMs / 1000)));
        return { headers };
      },
      keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 5_000 },
      onError: ({ error, path, type }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') {
          app.log.error({ err: error.cause ?? error, path, type }, 'procedure failed');
        }
      },
    },
  };
  await app.register(fastifyTRPCPlugin, options);
};
