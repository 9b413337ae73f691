import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AppRouter, appRouter } from '@goated/api';
import {
  type AppDeps,
  type Context,
  type CookieSink,
  createRequestContext,
  credentialMonitor,
  RateLimitedError,
  retryTransientRead,
  trpcErrorOf,
} from '@goated/api/server';
import { TRPCError } from '@trpc/server';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { CreateWSSContextFnOptions } from '@trpc/server/adapters/ws';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { closeCodes, type KeepAliveOptions, type TransportLimits } from '../realtime/limits';
import type { RealtimeCounters } from '../realtime/stats';
import { RealtimeTransport } from '../realtime/transport';
import { restPlugin } from './rest';

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
  realtime: { limits: TransportLimits; keepAlive: KeepAliveOptions; stats: RealtimeCounters };
}

/** The request's Origin (or its Referer's origin); `'null'` as sent, null when neither is there. */
function originOf(req: IncomingMessage): string | null {
  const origin = req.headers.origin;
  if (typeof origin === 'string') return origin;
  const referer = req.headers.referer;
  if (typeof referer !== 'string') return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}

/** `scheme://host[:port]` in its canonical form (default ports dropped), or null. */
function canonicalOrigin(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.origin === 'null' ? null : url.origin;
  } catch {
    return null;
  }
}

/**
 * CSRF: the session cookie only counts when the request comes from our own origin — the same
 * scheme, host and port this request was made to — or an allowed one. `Origin: null` (sandboxed
 * frames, some redirects, file: pages) is foreign. A state-changing request that carries the
 * cookie from elsewhere is refused; other requests from elsewhere (a WebSocket upgrade too) are
 * served as signed out.
 */
function cookieFromAllowedOrigin(
  req: IncomingMessage,
  own: string | null,
  allowed: Set<string>,
): 'allowed' | 'foreign' {
  const origin = originOf(req);
  if (origin === null) return req.method === 'POST' ? 'foreign' : 'allowed';
  const canonical = canonicalOrigin(origin);
  if (canonical === null) return 'foreign';
  if (allowed.has(canonical)) return 'allowed';
  return own !== null && canonical === canonicalOrigin(own) ? 'allowed' : 'foreign';
}

/** `https://host` seen as `http://host`: TLS ends at a proxy whose X-Forwarded-Proto is not trusted. */
function onlySchemeDiffers(req: IncomingMessage, own: string | null): boolean {
  const origin = originOf(req);
  const canonical = origin === null ? null : canonicalOrigin(origin);
  return canonical !== null && own !== null && canonical === canonicalOrigin(own.replace(/^http:/, 'https:'));
}

/** How long a WebSocket whose credential ended stays open (refusing calls) before its 1008 close. */
const CREDENTIAL_ENDED_CLOSE_MS = 2000;

/**
 * A WebSocket lives as long as its credential: watched while open (revocation events from any
 * instance, its deadline, the periodic database re-check) and closed with 1008 a moment after
 * it ends. By then its subscriptions have ended with the reason, and calls meanwhile get
 * UNAUTHORIZED/FORBIDDEN; keep-alive pings cannot keep it open.
 */
function tieSocketToCredential(ctx: Context, socket: WebSocket): void {
  const credential = ctx.credential;
  if (!credential) return;
  const release = credentialMonitor(ctx).watch(credential);
  socket.on('close', release);
  if (socket.readyState === socket.CLOSING || socket.readyState === socket.CLOSED) release();
  const close = () => {
    setTimeout(() => {
      if (socket.readyState === socket.OPEN) {
        socket.close(closeCodes.policyViolation, `credential ended: ${credential.ended ?? 'revoked'}`);
      }
    }, CREDENTIAL_ENDED_CLOSE_MS).unref();
  };
  if (credential.ended) close();
  else credential.signal.addEventListener('abort', close, { once: true });
}

/**
 * The same text as one flat string. `randomUUID()` assembles its answer from ~20 concatenated
 * pieces, which V8 keeps as a tree of ~450 bytes for as long as the string lives — a
 * WebSocket's context keeps its request id for the connection's life.
 */
function flatString(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}

function isListener(value: unknown): value is (...args: unknown[]) => void {
  return typeof value === 'function';
}

/**
 * `@fastify/websocket` keeps the upgrade's Fastify request and reply alive for as long as the
 * socket lives: its `error` listener closes over both, and the (never sent) HTTP response stays
 * attached to the TCP socket, holding the request, its headers and Fastify's request objects
 * and logger — ~6 KB per connection, more than the connection itself. The transport handles the
 * socket's errors itself (`ws` has already closed or destroyed the socket when it emits one),
 * so both are let go here; the transport keeps the raw request only until the connection's
 * context is made.
 */
function releaseUpgrade(
  socket: WebSocket,
  raw: IncomingMessage,
  response: ServerResponse | undefined,
  upgradeErrorListeners: ReturnType<WebSocket['listeners']>,
): void {
  // One by one, after the transport added its own: removing the last listener of an event
  // `delete`s its key, which turns the socket's listener table into a slow dictionary (~0.25 KB).
  for (const listener of upgradeErrorListeners) {
    if (isListener(listener)) socket.removeListener('error', listener);
  }
  if (response && raw.socket && response.socket === raw.socket) response.detachSocket(raw.socket);
}

/**
 * Resolving who is calling reads the database (session, API key). Like any read it is retried
 * through a transient connection failure (`retryTransientRead`, the policy queries use); past
 * that the caller gets SERVICE_UNAVAILABLE rather than an internal error. The resolver refuses
 * with domain errors; this runs before any procedure (and its error mapping), so they are made
 * tRPC errors here.
 */
async function resolveContext(resolve: () => Promise<Context>): Promise<Context> {
  try {
    return await retryTransientRead(resolve);
  } catch (err) {
    throw trpcErrorOf(err);
  }
}

function isFastifyRequest(req: FastifyRequest | IncomingMessage): req is FastifyRequest {
  return 'raw' in req;
}

/**
 * The router over HTTP (batched queries and mutations), Server-Sent Events (the subscription
 * fallback) and WebSocket (subscriptions) at /trpc — all three through the one `createContext`.
 */
export const trpcPlugin: FastifyPluginAsync<TrpcPluginOptions> = async (app, { deps, allowedOrigins, realtime }) => {
  const allowed = new Set(allowedOrigins);
  const { stats } = realtime;
  // A WebSocket's context is built from the raw upgrade request; its client address and the
  // origin it was made to are the ones Fastify worked out (TRUST_PROXY: X-Forwarded-*), not the
  // proxy's own.
  const upgrades = new WeakMap<IncomingMessage, { ip: string; origin: string }>();
  let proxyHintGiven = false;
  const options: FastifyTRPCPluginOptions<AppRouter> = {
    prefix: '/trpc',
    // WebSockets are served by our own transport below (same protocol, built for fan-out).
    useWSS: false,
    trpcOptions: {
      router: appRouter,
      // HTTP requests arrive as Fastify requests; WebSocket connections as the raw upgrade request.
      createContext: async ({ req, info }) => {
        const fastifyReq = isFastifyRequest(req) ? req : null;
        const raw = isFastifyRequest(req) ? req.raw : req;
        const cookieHeader = typeof raw.headers.cookie === 'string' ? raw.headers.cookie : null;
        const upgrade = upgrades.get(raw);
        // Read once per connection. Deleted, not left to the GC: a WeakMap's table shrinks only
        // on delete, and a burst of connections would keep it sized for all of them (issue #22).
        if (upgrade) upgrades.delete(raw);
        const ownOrigin = fastifyReq ? `${fastifyReq.protocol}://${fastifyReq.host}` : (upgrade?.origin ?? null);
        const origin = cookieHeader ? cookieFromAllowedOrigin(raw, ownOrigin, allowed) : 'allowed';
        if (origin === 'foreign' && !proxyHintGiven && onlySchemeDiffers(raw, ownOrigin)) {
          proxyHintGiven = true;
          app.log.warn(
            { origin: raw.headers.origin, seenAs: ownOrigin },
            'an https page reached this server as plain http, so its session cookie is refused as cross-origin: set TRUST_PROXY to the TLS proxy’s address so X-Forwarded-Proto is believed',
          );
        }
        if (origin === 'foreign' && raw.method === 'POST') {
          throw new TRPCError({ code: 'FORBIDDEN', message: 'Cross-origin request refused' });
        }
        const token = info.connectionParams?.token;
        const requestId = fastifyReq?.id ?? flatString(randomUUID());
        return resolveContext(() =>
          createRequestContext(deps, {
            requestId,
            ip: fastifyReq?.ip ?? upgrade?.ip ?? raw.socket.remoteAddress ?? null,
            cookieHeader: origin === 'allowed' ? cookieHeader : null,
            authorization: typeof raw.headers.authorization === 'string' ? raw.headers.authorization : null,
            connectionToken: typeof token === 'string' ? token : null,
            cookies: fastifyReq ? new ResponseCookies() : null,
          }),
        );
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
      onError: ({ error, path, type }) => {
        if (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN') stats.authFailures++;
        if (error.code === 'INTERNAL_SERVER_ERROR') {
          app.log.error({ err: error.cause ?? error, path, type }, 'procedure failed');
        }
      },
    },
  };
  await app.register(fastifyTRPCPlugin, options);
  // The REST API (/api/v1) calls the same procedures through the same context and error hooks.
  await app.register(restPlugin, {
    deps,
    createContext: options.trpcOptions.createContext,
    onError: options.trpcOptions.onError,
  });

  // Counts the SSE streams (the fallback transport) for `admin.stats`, and keeps them to cut on
  // shutdown.
  const sseStreams = new Set<FastifyReply['raw']>();
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/trpc/') && req.headers.accept?.includes('text/event-stream')) {
      stats.sseOpened();
      sseStreams.add(reply.raw);
      reply.raw.once('close', () => {
        sseStreams.delete(reply.raw);
        stats.sseClosed();
      });
    }
  });
  // An event stream never finishes by itself: waiting for it would hold shutdown until its
  // bound. It is cut instead, which EventSource clients take as a reason to reconnect (through
  // the load balancer, to an instance that stays) and resume from their last event id — the
  // SSE counterpart of the WebSockets' 1001.
  app.addHook('preClose', async () => {
    for (const stream of sseStreams) stream.destroy();
  });

  const { createContext: contextForRequest } = options.trpcOptions;
  const transport = new RealtimeTransport<AppRouter>({
    router: appRouter,
    // The same factory as HTTP: tRPC's own adapter passes it the upgrade request and the socket.
    createContext: async (opts: CreateWSSContextFnOptions) => {
      const ctx = await contextForRequest(opts as unknown as Parameters<typeof contextForRequest>[0]);
      tieSocketToCredential(ctx, opts.res);
      return ctx;
    },
    onError: ({ error, path, type }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        app.log.error({ err: error.cause ?? error, path, type }, 'procedure failed');
      }
    },
    limits: realtime.limits,
    keepAlive: realtime.keepAlive,
    stats,
    log: app.log,
  });
  // The upgrade's HTTP response, to let go of once the socket is ours (see releaseUpgrade).
  const upgradeResponses = new WeakMap<IncomingMessage, ServerResponse>();
  app.get(
    '/trpc',
    {
      websocket: true,
      onRequest: async (req, reply) => {
        upgradeResponses.set(req.raw, reply.raw);
      },
    },
    (socket, req) => {
      upgrades.set(req.raw, { ip: req.ip, origin: `${req.protocol}://${req.host}` });
      const upgradeErrorListeners = socket.listeners('error');
      transport.accept(socket, req.raw);
      const response = upgradeResponses.get(req.raw);
      upgradeResponses.delete(req.raw);
      releaseUpgrade(socket, req.raw, response, upgradeErrorListeners);
    },
  );
  // Deploys and restarts: every client gets the reconnect notice, then a 1001 close.
  app.addHook('preClose', async () => transport.shutdown());
};
