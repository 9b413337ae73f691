import { randomUUID } from 'node:crypto';
import type { AppRouter } from '@goated/api';
import { type AppDeps, appRouter, createContext } from '@goated/api';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { CreateWSSContextFnOptions } from '@trpc/server/adapters/ws';
import type { FastifyPluginAsync } from 'fastify';
import type { RealtimeCounters } from '../realtime/stats';
import { type KeepAliveOptions, RealtimeTransport, type TransportLimits } from '../realtime/transport';

export interface TrpcPluginOptions {
  deps: AppDeps;
  realtime: { limits: TransportLimits; keepAlive: KeepAliveOptions; stats: RealtimeCounters };
}

/**
 * The router over HTTP (batched queries and mutations), Server-Sent Events (the subscription
 * fallback) and WebSocket (subscriptions) at /trpc — all three through the one `createContext`.
 */
export const trpcPlugin: FastifyPluginAsync<TrpcPluginOptions> = async (app, { deps, realtime }) => {
  const { stats } = realtime;
  const options: FastifyTRPCPluginOptions<AppRouter> = {
    prefix: '/trpc',
    // WebSockets are served by our own transport below (same protocol, built for fan-out).
    useWSS: false,
    trpcOptions: {
      router: appRouter,
      // WebSocket connections hand over the raw IncomingMessage, which has no Fastify id.
      createContext: ({ req }) =>
        createContext(deps, { requestId: 'id' in req && typeof req.id === 'string' ? req.id : randomUUID() }),
      onError: ({ error, path, type }) => {
        if (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN') stats.authFailures++;
        if (error.code === 'INTERNAL_SERVER_ERROR') {
          app.log.error({ err: error.cause ?? error, path, type }, 'procedure failed');
        }
      },
    },
  };
  await app.register(fastifyTRPCPlugin, options);

  // Counts the SSE streams (the fallback transport) for `admin.stats`.
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/trpc/') && req.headers.accept?.includes('text/event-stream')) {
      stats.sseOpened();
      reply.raw.once('close', () => stats.sseClosed());
    }
  });

  const { createContext: contextForRequest } = options.trpcOptions;
  const transport = new RealtimeTransport<AppRouter>({
    router: appRouter,
    // The same factory as HTTP: tRPC's own adapter passes it the upgrade request and the socket.
    createContext: (opts: CreateWSSContextFnOptions) =>
      contextForRequest(opts as unknown as Parameters<typeof contextForRequest>[0]),
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
  app.get('/trpc', { websocket: true }, (socket, req) => transport.accept(socket, req.raw));
  app.addHook('onClose', async () => transport.shutdown());
};
