import { randomUUID } from 'node:crypto';
import websocket from '@fastify/websocket';
import {
  type AppDeps,
  ConfiguredUpstream,
  cacheStats,
  createInProcessBus,
  createRateLimits,
  createRedisBus,
  deleteExpiredCredentials,
  type EventBus,
  ensureAdmin,
  HttpUpstream,
  loadPlayerRecords,
  pruneNotifications,
  type RacePositionWatch,
  type RaceScheduler,
  SimulatedUpstream,
  SYNC_RUN_LOCK,
  scheduleRaces,
  type UpstreamSource,
  watchRacePositions,
  watchUpstreamAuth,
} from '@goated/api/server';
import { createDb, type DbHandle } from '@goated/db';
import { isEmpty, seedDemoDataIfEmpty } from '@goated/db/seed';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { Redis } from 'ioredis';
import pkg from '../package.json' with { type: 'json' };
import type { Config } from './config';
import { serializeError } from './logging';
import { createMetrics } from './metrics';
import { startMetricsListener } from './metrics-access';
import { ObservedSyncService } from './observed-sync';
import { type OperatorLog, procedureLogLevel, startOperatorLog } from './operator-log';
import { backupPlugin } from './plugins/backup';
import { exportsPlugin } from './plugins/exports';
import { healthPlugin } from './plugins/health';
import { hotQueriesPlugin, type UrlMemoCounts } from './plugins/hot-queries';
import { hygienePlugin } from './plugins/hygiene';
import { observabilityPlugin } from './plugins/observability';
import { trpcPlugin } from './plugins/trpc';
import { webPlugin } from './plugins/web';
import { RealtimeCounters } from './realtime/stats';

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
  /** Where JSON log lines go (default stdout); tests read them. */
  logStream?: { write(line: string): void };
}

/** Trust the nearest `hops` proxies' X-Forwarded-For entries. */
function hopsTrusted(hops: number) {
  return (_address: string, hop: number) => hop < hops;
}

/** Builds the whole server from a validated config. Nothing listens until `start()`. */
export async function createServer(config: Config, overrides: ServerOverrides = {}): Promise<Server> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      ...(overrides.logStream ? { stream: overrides.logStream } : {}),
      // Secrets never reach the log, whatever a log call is handed.
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          '*.password',
          '*.newPassword',
          '*.currentPassword',
          '*.token',
          '*.key',
          'password',
          'token',
        ],
        censor: '[redacted]',
      },
      serializers: { err: serializeError },
    },
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

  // A response finished during shutdown closes its connection: a keep-alive connection (a load
  // balancer's, a client's) that was busy when closing began would otherwise hold the server
  // open until its idle timeout, long past the shutdown bound.
  let shuttingDown = false;
  app.addHook('onSend', async (_req, reply, payload) => {
    if (shuttingDown) reply.header('connection', 'close');
    return payload;
  });

  const db =
    overrides.db ??
    (await createDb({
      databaseUrl: config.db.url,
      dataDir: config.db.dataDir,
      poolMax: config.db.poolMax,
      timeouts: {
        connectMs: config.db.connectTimeoutMs,
        statementMs: config.db.statementTimeoutMs,
        // A request unanswered this long is on a dead connection: the statement bound has passed.
        unansweredMs: config.db.statementTimeoutMs + 5000,
      },
    }));
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
  // With AFFILIATE_API_URL the real feed; otherwise the simulator, continuing from the database.
  const source: UpstreamSource = config.sync.upstream
    ? new HttpUpstream(config.sync.upstream)
    : new SimulatedUpstream({ loadInitial: () => loadPlayerRecords(db.db), players: config.sync.simulatorPlayers });
  // Each run reads the feed admins stored (the environment's is the default): no restart.
  const upstreamDefault = config.sync.upstream
    ? { url: config.sync.upstream.url, token: config.sync.upstream.token }
    : null;
  const upstream = new ConfiguredUpstream({
    db: db.db,
    fallback: upstreamDefault,
    http: config.sync.http,
    simulator: config.sync.upstream
      ? new SimulatedUpstream({ loadInitial: () => loadPlayerRecords(db.db), players: config.sync.simulatorPlayers })
      : source,
  });
  const metrics = createMetrics();
  const sync = new ObservedSyncService(
    {
      db: db.db,
      bus,
      source,
      // One pulled run at a time across every instance on this database.
      tryLock: () => db.tryAdvisoryLock(SYNC_RUN_LOCK),
      intervalMs: config.sync.intervalMs,
      resolveSource: () => upstream.resolve(),
      logRetentionDays: config.sync.logRetentionDays,
      logger: { warn: (details, message) => app.log.warn(details, message) },
      onResult: (result) => {
        if (result.status === 'failed') app.log.warn({ sync: result }, 'sync run failed');
        else app.log.debug({ sync: result }, `sync run ${result.status}`);
      },
    },
    (result) => metrics.observeSync(result),
    // A refused token raises one admin alert per outage (see services/upstream/alerts.ts).
    (result) =>
      watchUpstreamAuth({ db: db.db, bus, log: app.log }, result).catch((err: unknown) =>
        app.log.warn({ err }, 'could not record the upstream token state'),
      ),
  );
  // Rate-limit counters are shared between instances through Redis when there is one.
  const redis = config.redis.url
    ? new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false })
    : undefined;
  redis?.on('error', (err) => app.log.warn({ err }, 'redis (rate limits) unavailable'));
  await redis?.connect().catch((err: unknown) => app.log.warn({ err }, 'redis not reachable at start'));
  const perMinute = config.auth.rateLimitsPerMinute;
  const deps: AppDeps = {
    db: db.db,
    dbKind: db.kind,
    pingDb: db.ping,
    bus,
    version: pkg.version,
    sync,
    rateLimits: createRateLimits({
      redis,
      // Deployments sharing one Redis keep their counters apart, as their events.
      keyPrefix: `${config.redis.prefix}rl`,
      tiers: {
        authIp: { points: perMinute.auth, durationSeconds: 60 },
        mutation: { points: perMinute.mutations, durationSeconds: 60 },
        query: { points: perMinute.queries, durationSeconds: 60 },
      },
    }),
    sessions: { secureCookie: config.auth.secureCookie, ttlDays: config.auth.sessionTtlDays },
    credentialRecheckMs: config.auth.credentialRecheckMs,
    observe: (call) => {
      metrics.observeProcedure(call);
      app.log[procedureLogLevel(call.errorCode, call.durationMs, config.operatorLog.slowRequestMs)](
        {
          reqId: call.requestId,
          userId: call.userId,
          apiKeyId: call.apiKeyId,
          procedure: call.path,
          type: call.type,
          durationMs: Math.round(call.durationMs * 10) / 10,
          outcome: call.errorCode ?? 'ok',
        },
        'procedure',
      );
    },
    live: {
      pushIntervalMs: config.live.pushIntervalMs,
      onError: (err, where) => app.log.error({ err, where }, 'live stream recomputation failed'),
    },
    log: app.log,
    realtime: stats,
    staleAfterSeconds: config.sync.staleAfterSeconds,
    upstream: { fallback: upstreamDefault, http: config.sync.http },
    site: config.site,
  };
  const { realtime } = config;
  const urlMemo: UrlMemoCounts = { hits: 0, misses: 0 };
  metrics.readFrom({
    realtime: () => stats.snapshot(),
    caches: () => ({ ...cacheStats(deps), url_memo: urlMemo }),
    dbPool: () => db.poolUsage(),
  });

  await app.register(hygienePlugin, { corsOrigins: config.auth.allowedOrigins });
  await app.register(observabilityPlugin, {
    metrics,
    slowRequestMs: config.operatorLog.slowRequestMs,
    metricsAccess: config.metrics,
  });
  // Order matters: the WebSocket plugin must exist before tRPC asks for it.
  await app.register(websocket, {
    options: {
      maxPayload: realtime.maxMessageBytes,
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
  await app.register(hotQueriesPlugin, { deps, memo: urlMemo });
  await app.register(trpcPlugin, {
    deps,
    allowedOrigins: config.auth.allowedOrigins,
    realtime: {
      stats,
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

  let cleanupTimer: NodeJS.Timeout | undefined;
  let raceScheduler: RaceScheduler | undefined;
  let racePositions: RacePositionWatch | undefined;
  let operatorLog: OperatorLog | undefined;
  let stopping: Promise<void> | undefined;
  let metricsListener: { url: string; close(): Promise<void> } | undefined;

  return {
    app,
    deps,
    async start() {
      const bootstrap = await ensureAdmin(db.db, config.auth.admin);
      if (bootstrap.created?.generatedPassword) {
        // Printed once, to the terminal rather than the structured log.
        console.log(
          `\n  First start: created admin "${bootstrap.created.username}" with password ${bootstrap.created.generatedPassword}\n  It is not shown again; the first sign-in asks you to choose your own.\n`,
        );
      } else if (bootstrap.created) {
        app.log.info({ username: bootstrap.created.username }, 'created the admin account from ADMIN_USERNAME');
      }
      const cleanup = async () => {
        await deleteExpiredCredentials(db.db).catch((err: unknown) =>
          app.log.warn({ err }, 'credential cleanup failed'),
        );
        await pruneNotifications(db.db, config.notifications.retentionDays).catch((err: unknown) =>
          app.log.warn({ err }, 'notification cleanup failed'),
        );
      };
      cleanupTimer = setInterval(cleanup, 60 * 60_000);
      cleanupTimer.unref();
      void cleanup();
      if (config.sync.enabled) {
        if (config.sync.seedDemoData && (await isEmpty(db.db))) {
          const summary = await seedDemoDataIfEmpty(db.db);
          if (summary) app.log.info(summary, 'seeded the demo data set');
        }
        sync.start();
      }
      // Every instance runs it: starting and finalizing a race are safe to race (see raceTick).
      raceScheduler = scheduleRaces(
        { db: db.db, bus },
        config.races.tickMs,
        (tick) => {
          if (tick.started.length > 0 || tick.finalized.length > 0) app.log.info({ races: tick }, 'races moved on');
        },
        (err) => app.log.warn({ err }, 'race scheduler tick failed'),
      );
      // Linked players' places in live races, after every change: standings and position notices.
      racePositions = watchRacePositions(deps, {
        threshold: config.notifications.positionThreshold,
        cooldownMs: config.notifications.positionCooldownMs,
        delayMs: config.live.pushIntervalMs,
        onError: (err) => app.log.warn({ err }, 'race positions refresh failed'),
      });
      operatorLog = startOperatorLog({
        log: app.log,
        db: db.db,
        stats,
        summaryIntervalMs: config.operatorLog.summaryIntervalMs,
        sampleIntervalMs: config.operatorLog.sampleIntervalMs,
      });
      const { listen } = config.metrics;
      if (listen) {
        metricsListener = await startMetricsListener({ ...config.metrics, listen }, metrics.registry);
        app.log.info({ url: `${metricsListener.url}/metrics` }, 'metrics served on a listener of their own');
      }
      return app.listen({ host: config.host, port: config.port });
    },
    stop() {
      stopping ??= (async () => {
        clearInterval(cleanupTimer);
        operatorLog?.stop();
        shuttingDown = true;
        // At once and together: stop accepting connections, send WebSockets away (1001), let
        // in-flight requests and a running sync transaction finish. The pools close after.
        await Promise.all([
          sync.stop(),
          raceScheduler?.stop(),
          racePositions?.stop(),
          app.close(),
          metricsListener?.close(),
        ]);
        redis?.disconnect();
        if (!overrides.bus) await bus.close();
        if (!overrides.db) await db.close();
      })();
      return stopping;
    },
  };
}
