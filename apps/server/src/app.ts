import { randomUUID } from 'node:crypto';
import websocket from '@fastify/websocket';
import {
  type AppDeps,
  createInProcessBus,
  createRedisBus,
  type EventBus,
  loadPlayerRecords,
  SimulatedUpstream,
  type SyncScheduler,
  scheduleSync,
} from '@goated/api';
import { createDb, type DbHandle } from '@goated/db';
import { isEmpty, seedDemoData } from '@goated/db/seed';
import Fastify, { type FastifyInstance } from 'fastify';
import pkg from '../package.json' with { type: 'json' };
import type { Config } from './config';
import { healthPlugin } from './plugins/health';
import { trpcPlugin } from './plugins/trpc';
import { webPlugin } from './plugins/web';
import { RealtimeCounters } from './realtime/stats';
import { sendGoingAway } from './realtime/transport';

export interface Server {
  app: FastifyInstance;
  deps: AppDeps;
  /** Listens and starts background work; resolves with the bound URL. */
  start(): Promise<string>;
  /** Stops accepting, finishes the running sync, closes sockets and pools. Idempotent. */
  stop(): Promise<void>;
}

export interface ServerOverrides {
  /** Use this database instead of creating one from the config (tests). */
  db?: DbHandle;
  bus?: EventBus;
}

/** Builds the whole server from a validated config. Nothing listens until `start()`. */
export async function createServer(config: Config, overrides: ServerOverrides = {}): Promise<Server> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
    },
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    },
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
  });

  const db =
    overrides.db ??
    (await createDb({ databaseUrl: config.db.url, dataDir: config.db.dataDir, poolMax: config.db.poolMax }));
  const bus =
    overrides.bus ??
    (config.redis.url
      ? await createRedisBus({
          url: config.redis.url,
          prefix: config.redis.prefix,
          log: app.log.child({ component: 'bus' }),
        })
      : createInProcessBus());
  const stats = new RealtimeCounters();
  const deps: AppDeps = {
    db: db.db,
    dbKind: db.kind,
    pingDb: db.ping,
    bus,
    version: pkg.version,
    log: app.log,
    realtime: stats,
  };
  const { realtime } = config;

  // Order matters: the WebSocket plugin must exist before tRPC asks for it.
  await app.register(websocket, {
    options: {
      maxPayload: realtime.maxMessageBytes,
      // Off unless asked: deflate cannot share one encoding across subscribers (see docs/SCALING.md).
      perMessageDeflate: realtime.compression
        ? { threshold: 1024, serverNoContextTakeover: true, clientNoContextTakeover: true }
        : false,
    },
    // Deploys and restarts: clients are told to reconnect, then closed with 1001.
    preClose(done) {
      sendGoingAway(this.websocketServer);
      this.websocketServer.close();
      done();
    },
  });
  await app.register(healthPlugin, { deps });
  await app.register(trpcPlugin, {
    deps,
    realtime: {
      stats,
      keepAlive: { pingMs: realtime.pingMs, pongWaitMs: realtime.pongWaitMs },
      limits: {
        maxMessageBytes: realtime.maxMessageBytes,
        messagesPerSecond: realtime.messagesPerSecond,
        messageBurst: realtime.messageBurst,
        maxSubscriptions: realtime.maxSubscriptions,
        maxBufferedBytes: realtime.maxBufferedBytes,
      },
    },
  });
  await app.register(webPlugin, { root: config.webDist });

  let scheduler: SyncScheduler | undefined;
  let stopping: Promise<void> | undefined;

  return {
    app,
    deps,
    async start() {
      if (config.sync.enabled) {
        if (config.sync.seedDemoData && (await isEmpty(db.db))) {
          const summary = await seedDemoData(db.db);
          app.log.info(summary, 'seeded the demo data set');
        }
        const source = new SimulatedUpstream({
          loadInitial: () => loadPlayerRecords(db.db),
          players: config.sync.simulatorPlayers,
        });
        scheduler = scheduleSync({ db: db.db, bus }, source, config.sync.intervalMs, (result) => {
          if (result.status === 'failed') app.log.warn({ sync: result }, 'sync run failed');
          else app.log.debug({ sync: result }, 'sync run finished');
        });
      }
      return app.listen({ host: config.host, port: config.port });
    },
    stop() {
      stopping ??= (async () => {
        await scheduler?.stop();
        await app.close();
        if (!overrides.bus) await bus.close();
        if (!overrides.db) await db.close();
      })();
      return stopping;
    },
  };
}
