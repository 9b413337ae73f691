/**
 * The server's object graph, built once from the config: the database, the event bus, the
 * feed and the sync pipeline, rate limits, metrics and realtime counters, and the `AppDeps` the
 * router, the plugins and the background jobs share. `close()` tears down what was built here,
 * in order, once the server and its jobs have stopped.
 */
import {
  type AppDeps,
  ConfiguredUpstream,
  cacheStats,
  createInProcessBus,
  createRateLimits,
  createRedisBus,
  type EventBus,
  HttpUpstream,
  loadPlayerRecords,
  type RedisLiveness,
  SimulatedUpstream,
  SYNC_RUN_LOCK,
  type UpstreamSource,
  watchRedisLiveness,
  watchUpstreamAuth,
} from '@goated/api/server';
import { createDb, type DbHandle } from '@goated/db';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import pkg from '../package.json' with { type: 'json' };
import type { Config } from './config';
import { createMetrics, type Metrics } from './metrics';
import { ObservedSyncService } from './observed-sync';
import { procedureLogLevel } from './operator-log';
import type { UrlMemoCounts } from './plugins/hot-queries';
import { RealtimeCounters } from './realtime/stats';

/** Parts a caller brings instead of the config's (tests); the caller closes them. */
export interface GivenDeps {
  /** Use this database instead of creating one from the config (tests). */
  db?: DbHandle;
  bus?: EventBus;
}

export interface ServerDeps {
  /** What the router, the plugins and the background jobs receive. */
  deps: AppDeps;
  db: DbHandle;
  bus: EventBus;
  sync: ObservedSyncService;
  metrics: Metrics;
  /** The realtime transport's connection and message counters. */
  stats: RealtimeCounters;
  /** Hits and misses of the hot queries' URL memo, for the metrics. */
  urlMemo: UrlMemoCounts;
  /** The pools, after everything that uses them has stopped: Redis, the bus, the database. */
  close(): Promise<void>;
}

function openDb(config: Config): Promise<DbHandle> {
  return createDb({
    databaseUrl: config.db.url,
    dataDir: config.db.dataDir,
    pgliteSharedBuffers: config.db.pgliteSharedBuffers,
    poolMax: config.db.poolMax,
    preparedStatements: config.db.preparedStatements,
    timeouts: {
      connectMs: config.db.connectTimeoutMs,
      statementMs: config.db.statementTimeoutMs,
      // A request unanswered this long is on a dead connection: the statement bound has passed.
      unansweredMs: config.db.statementTimeoutMs + 5000,
    },
  });
}

async function openBus(config: Config, log: FastifyBaseLogger): Promise<EventBus> {
  if (!config.redis.url) return createInProcessBus();
  return createRedisBus({
    url: config.redis.url,
    prefix: config.redis.prefix,
    log: log.child({ component: 'bus' }),
    liveness: livenessOf(config),
  });
}

const livenessOf = (config: Config): RedisLiveness => ({
  intervalMs: config.redis.pingMs,
  timeoutMs: config.redis.pingTimeoutMs,
});

/**
 * Every request's rate-limit check waits on this connection: a command unanswered for
 * `RATE_LIMIT_STORE_TIMEOUT_MS` fails, and the in-memory limiter answers for it (as while Redis
 * is down); a connection gone silent is dropped and reconnected by the liveness pings.
 */
const RATE_LIMIT_STORE_TIMEOUT_MS = 500;

/** Rate-limit counters are shared between instances through Redis when there is one. */
async function openRateLimitRedis(
  config: Config,
  log: FastifyBaseLogger,
): Promise<{ redis: Redis; stopWatching: () => void } | undefined> {
  if (!config.redis.url) return undefined;
  const redis = new Redis(config.redis.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    commandTimeout: Math.min(RATE_LIMIT_STORE_TIMEOUT_MS, config.redis.pingTimeoutMs),
  });
  redis.on('error', (err) => log.warn({ err }, 'redis (rate limits) unavailable'));
  await redis.connect().catch((err: unknown) => log.warn({ err }, 'redis not reachable at start'));
  return { redis, stopWatching: watchRedisLiveness(redis, livenessOf(config)) };
}

export async function createDeps(config: Config, given: GivenDeps, log: FastifyBaseLogger): Promise<ServerDeps> {
  const db = given.db ?? (await openDb(config));
  const bus = given.bus ?? (await openBus(config, log));
  const stats = new RealtimeCounters();
  // With AFFILIATE_API_URL the real feed; otherwise the simulator, continuing from the database.
  const simulator = () =>
    new SimulatedUpstream({ loadInitial: () => loadPlayerRecords(db.db), players: config.sync.simulatorPlayers });
  const source: UpstreamSource = config.sync.upstream ? new HttpUpstream(config.sync.upstream) : simulator();
  // Each run reads the feed admins stored (the environment's is the default): no restart.
  const upstreamDefault = config.sync.upstream
    ? { url: config.sync.upstream.url, token: config.sync.upstream.token }
    : null;
  const upstream = new ConfiguredUpstream({
    db: db.db,
    fallback: upstreamDefault,
    http: config.sync.http,
    simulator: config.sync.upstream ? simulator() : source,
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
      logger: log,
      // Keeps the board's reads index-only after a sync (packages/api/src/services/sync/upkeep.ts).
      vacuumAfterChanges: true,
      onResult: (result) => {
        if (result.status === 'failed') log.warn({ sync: result }, 'sync run failed');
        else log.debug({ sync: result }, `sync run ${result.status}`);
      },
    },
    (result) => metrics.observeSync(result),
    // A refused token raises one admin alert per outage (see services/upstream/alerts.ts).
    (result) =>
      watchUpstreamAuth({ db: db.db, bus, log }, result).catch((err: unknown) =>
        log.warn({ err }, 'could not record the upstream token state'),
      ),
  );
  const rateLimitStore = await openRateLimitRedis(config, log);
  const perMinute = config.auth.rateLimitsPerMinute;
  const deps: AppDeps = {
    db: db.db,
    dbKind: db.kind,
    pingDb: db.ping,
    bus,
    version: pkg.version,
    sync,
    rateLimits: createRateLimits({
      redis: rateLimitStore?.redis,
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
      log[procedureLogLevel(call.errorCode, call.durationMs, config.operatorLog.slowRequestMs)](
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
    live: { pushIntervalMs: config.live.pushIntervalMs },
    log,
    realtime: stats,
    staleAfterSeconds: config.sync.staleAfterSeconds,
    upstream: { fallback: upstreamDefault, http: config.sync.http },
    site: config.site,
  };
  const urlMemo: UrlMemoCounts = { hits: 0, misses: 0 };
  metrics.readFrom({
    realtime: () => stats.snapshot(),
    caches: () => ({ ...cacheStats(deps), url_memo: urlMemo }),
    dbPool: () => db.poolUsage(),
  });

  return {
    deps,
    db,
    bus,
    sync,
    metrics,
    stats,
    urlMemo,
    async close() {
      rateLimitStore?.stopWatching();
      rateLimitStore?.redis.disconnect();
      if (!given.bus) await bus.close();
      if (!given.db) await db.close();
    },
  };
}
