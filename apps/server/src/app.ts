/**
 * `createServer`: Fastify, its plugins in the order they must be registered, and the server's
 * lifetime. The object graph is built in `deps.ts`, the background work lives in `jobs.ts`, the
 * logger's settings in `logging.ts`.
 */
import { randomUUID } from 'node:crypto';
import websocket from '@fastify/websocket';
import type { AppDeps } from '@goated/api/server';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Config } from './config';
import { createDeps, type GivenDeps } from './deps';
import { backgroundJobs } from './jobs';
import { type LogStream, loggerOptions } from './logging';
import { backupPlugin } from './plugins/backup';
import { exportsPlugin } from './plugins/exports';
import { healthPlugin } from './plugins/health';
import { hotQueriesPlugin } from './plugins/hot-queries';
import { hygienePlugin } from './plugins/hygiene';
import { observabilityPlugin } from './plugins/observability';
import { trpcPlugin } from './plugins/trpc';
import { webPlugin } from './plugins/web';

export interface Server {
  app: FastifyInstance;
  deps: AppDeps;
  /** Listens and starts background work; resolves with the bound URL. */
  start(): Promise<string>;
  /** Stops accepting, finishes the running sync, closes sockets and pools. Idempotent. */
  stop(): Promise<void>;
}

export interface ServerOverrides extends GivenDeps {
  /** Where JSON log lines go (default stdout); tests read them. */
  logStream?: LogStream;
}

/** Trust the nearest `hops` proxies' X-Forwarded-For entries. */
function hopsTrusted(hops: number) {
  return (_address: string, hop: number) => hop < hops;
}

function createFastify(config: Config, logStream: LogStream | undefined): FastifyInstance {
  return Fastify({
    logger: loggerOptions(config.logLevel, logStream),
    // One line per request from the observability plugin instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy:
      typeof config.http.trustProxy === 'number' ? hopsTrusted(config.http.trustProxy) : config.http.trustProxy,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    },
    requestIdHeader: false,
    bodyLimit: config.http.bodyLimitBytes,
    // tRPC batches put every procedure name in one path segment (`/trpc/a,b,c`).
    routerOptions: { maxParamLength: 5000 },
  });
}

/** Builds the whole server from a validated config. Nothing listens until `start()`. */
export async function createServer(config: Config, overrides: ServerOverrides = {}): Promise<Server> {
  const app = createFastify(config, overrides.logStream);

  // A response finished during shutdown closes its connection: a keep-alive connection (a load
  // balancer's, a client's) that was busy when closing began would otherwise hold the server
  // open until its idle timeout, long past the shutdown bound.
  let shuttingDown = false;
  app.addHook('onSend', async (_req, reply, payload) => {
    if (shuttingDown) reply.header('connection', 'close');
    return payload;
  });

  const wiring = await createDeps(config, overrides, app.log);
  const { deps } = wiring;
  const { realtime } = config;

  await app.register(hygienePlugin, { corsOrigins: config.auth.allowedOrigins });
  await app.register(observabilityPlugin, {
    metrics: wiring.metrics,
    slowRequestMs: config.operatorLog.slowRequestMs,
    metricsAccess: config.metrics,
  });
  // Order matters: the WebSocket plugin must exist before tRPC asks for it.
  await app.register(websocket, {
    options: {
      maxPayload: realtime.maxMessageBytes,
      // The realtime transport keeps its own list of connections: ws's (`wss.clients`) would
      // add a Set entry, a `close` listener and its scope to every socket (~0.2 KB; issue #22).
      clientTracking: false,
      // Off unless asked: deflate cannot share one encoding across subscribers (see docs/SCALING.md).
      perMessageDeflate: realtime.compression
        ? { threshold: 1024, serverNoContextTakeover: true, clientNoContextTakeover: true }
        : false,
    },
    // Deploys and restarts: the realtime transport tells its clients to reconnect and closes
    // them with 1001 (its own preClose, in the tRPC plugin); here the server only stops.
    preClose(done) {
      this.websocketServer.close();
      done();
    },
  });
  await app.register(healthPlugin, { deps });
  await app.register(backupPlugin, { deps });
  await app.register(exportsPlugin, { deps });
  await app.register(hotQueriesPlugin, { deps, memo: wiring.urlMemo });
  await app.register(trpcPlugin, {
    deps,
    allowedOrigins: config.auth.allowedOrigins,
    realtime: {
      stats: wiring.stats,
      keepAlive: { pingMs: realtime.pingMs, pongWaitMs: realtime.pongWaitMs },
      limits: {
        maxMessageBytes: realtime.maxMessageBytes,
        messagesPerSecond: realtime.messagesPerSecond,
        messageBurst: realtime.messageBurst,
        maxBatchSize: realtime.maxBatchSize,
        maxSubscriptions: realtime.maxSubscriptions,
        maxBufferedBytes: realtime.maxBufferedBytes,
      },
    },
  });
  await app.register(webPlugin, { root: config.webDist, deps, site: config.site });

  const jobs = backgroundJobs(config, wiring, app.log);
  let stopping: Promise<void> | undefined;

  return {
    app,
    deps,
    async start() {
      await jobs.start();
      return app.listen({ host: config.host, port: config.port });
    },
    stop() {
      stopping ??= (async () => {
        // Timers stop at once (the jobs' part runs synchronously up to its first wait).
        const jobsStopped = jobs.stop();
        shuttingDown = true;
        // At once and together: stop accepting connections, send WebSockets away (1001), let
        // in-flight requests and a running sync transaction finish. The pools close after.
        // A response whose headers went out before closing began cannot say `connection:
        // close`: its keep-alive connection is closed as soon as it goes idle, rather than
        // holding the server open for the keep-alive timeout (72 s).
        const closeIdle = setInterval(() => app.server.closeIdleConnections(), 100);
        try {
          await Promise.all([jobsStopped, app.close()]);
        } finally {
          clearInterval(closeIdle);
        }
        await wiring.close();
      })();
      return stopping;
    },
  };
}
