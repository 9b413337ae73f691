import { randomUUID } from 'node:crypto';
import type { AppRouter } from '@goated/api';
import { type AppDeps, appRouter, createContext } from '@goated/api';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyPluginAsync } from 'fastify';

/** The router over HTTP (batched queries and mutations) and WebSocket (subscriptions) at /trpc. */
export const trpcPlugin: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const options: FastifyTRPCPluginOptions<AppRouter> = {
    prefix: '/trpc',
    useWSS: true,
    trpcOptions: {
      router: appRouter,
      // WebSocket connections hand over the raw IncomingMessage, which has no Fastify id.
      createContext: ({ req }) =>
        createContext(deps, { requestId: 'id' in req && typeof req.id === 'string' ? req.id : randomUUID() }),
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
