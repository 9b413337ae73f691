import websocket from '@fastify/websocket';
import type { AnyTRPCRouter } from '@trpc/server';
import Fastify from 'fastify';
import type { KeepAliveOptions } from '../src/realtime/limits';
import { RealtimeCounters } from '../src/realtime/stats';
import { RealtimeTransport, type TransportOptions } from '../src/realtime/transport';

export interface TransportServer<TRouter extends AnyTRPCRouter> {
  url: string;
  wsUrl: string;
  transport: RealtimeTransport<TRouter>;
  stats: RealtimeCounters;
  close(): Promise<void>;
}

export const testLimits = {
  maxMessageBytes: 64 * 1024,
  messagesPerSecond: 1000,
  messageBurst: 1000,
  maxBatchSize: 100,
  maxSubscriptions: 50,
  maxBufferedBytes: 1024 * 1024,
};

export interface TransportServerOptions<TRouter extends AnyTRPCRouter> {
  router: TRouter;
  createContext: TransportOptions<TRouter>['createContext'];
  limits?: Partial<typeof testLimits>;
  keepAlive?: KeepAliveOptions;
  refusedHoldMs?: number;
  encoder?: TransportOptions<TRouter>['encoder'];
}

/**
 * The realtime transport alone, serving a router made for the test (a fast ticker, a refusing
 * context…), on a free port of 127.0.0.1 behind the same @fastify/websocket setup as the app.
 */
export async function startTransportServer<TRouter extends AnyTRPCRouter>(
  options: TransportServerOptions<TRouter>,
): Promise<TransportServer<TRouter>> {
  const app = Fastify({ logger: { level: 'silent' } });
  const limits = { ...testLimits, ...options.limits };
  await app.register(websocket, {
    options: { maxPayload: limits.maxMessageBytes, perMessageDeflate: false },
    preClose(done) {
      this.websocketServer.close();
      done();
    },
  });
  const stats = new RealtimeCounters();
  const transport = new RealtimeTransport<TRouter>({
    router: options.router,
    createContext: options.createContext,
    limits,
    keepAlive: options.keepAlive ?? { pingMs: 30_000, pongWaitMs: 10_000 },
    stats,
    log: app.log,
    refusedHoldMs: options.refusedHoldMs,
    encoder: options.encoder,
  });
  app.get('/trpc', { websocket: true }, (socket, req) => transport.accept(socket, req.raw));
  app.addHook('preClose', async () => transport.shutdown());
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, wsUrl: `${url.replace(/^http/, 'ws')}/trpc`, transport, stats, close: () => app.close() };
}
