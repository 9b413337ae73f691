/**
 * `@goated/api/server`: what only the server process wires — the context factory and identity
 * resolver, event buses, shared streams and the hot-query fast path, sync, schedulers and
 * background jobs, rate limits, the REST document, and the services the server calls directly.
 * Clients (web, bot, `@goated/client`, scripts that only call the API) import `@goated/api`.
 */
export type { ApiKeyIdentity, AppDeps, Context, CookieSink, ProcedureCall, SessionUser } from './context';
export { createContext } from './context';
export type { FailureCode } from './errors';
export { DomainError, NotFoundError } from './errors';
export type { AppEvents, BusHealth, EventBus, EventTopic } from './events/bus';
export { createInProcessBus } from './events/in-process';
export type { RedisBusOptions } from './events/redis';
export { createRedisBus } from './events/redis';
export type { RedisLiveness } from './events/redis-liveness';
export { watchRedisLiveness } from './events/redis-liveness';
export type { HotQuery } from './hot-queries';
export { cacheGeneration, cacheStats, deserializeInput, hotQueries, toWireJson } from './hot-queries';
export type { LiveOptions } from './live/live';
export { cachedMvps, cachedRaceStandings, leaderboardUpdates, raceUpdates } from './live/live';
export type { SharedSubscription, StreamSink } from './live/shared-stream';
export {
  declaresSharedStream,
  isSharedSubscription,
  SharedStream,
  SharedStreamRegistry,
  subscribeDirect,
} from './live/shared-stream';
export type { Logger } from './logger';
export { toTRPCError, trpcErrorOf } from './middleware/map-domain-errors';
export { buildOpenApiDocument, problemContentType, REST_BASE_PATH } from './rest/document';
export { retryTransientRead, retryWhileTransient } from './retry';
export type { Overview } from './services/analytics';
export { computeOverview, recordConnectionSample } from './services/analytics';
export { actorOf, recordAudit } from './services/audit';
export type { Credential, EndReason } from './services/auth/credential';
export { CredentialMonitor, credentialMonitor } from './services/auth/credential-monitor';
export type { RawCredentials } from './services/auth/identity';
export { createRequestContext } from './services/auth/identity';
export type { SessionOptions } from './services/auth/lucia';
export { SESSION_COOKIE } from './services/auth/lucia';
export { deleteExpiredCredentials, ensureAdmin } from './services/auth/maintenance';
export type { OperatorReset } from './services/auth/recovery';
export { resetPasswordAsOperator, UnknownUserError } from './services/auth/recovery';
export { isTransientDbError } from './services/db-errors';
export type { ExportKind, ExportSource } from './services/exports';
export { exportKinds, openExport } from './services/exports';
export type { Freshness, HealthStatus, HealthView, PublicHealth } from './services/health';
export { getFreshness, getHealth, readinessOf } from './services/health';
export type { LeaderboardPage, LeaderboardPosition } from './services/leaderboard';
export { leaderboardPosition, leaderboardTop } from './services/leaderboard';
export type { LogEntry, LogType } from './services/logs';
export type { Mvp, Mvps } from './services/mvps';
export { pruneNotifications } from './services/notifications/inbox';
export type { NotificationKind } from './services/notifications/kinds';
export { notificationKinds } from './services/notifications/kinds';
export type { NotificationMessage } from './services/notifications/notify';
export { notify } from './services/notifications/notify';
export type { RacePositionsRefresh, RacePositionWatch } from './services/notifications/race-positions';
export { refreshRacePositions, watchRacePositions } from './services/notifications/race-positions';
export type { PlayerProfile } from './services/players';
export { getPlayer } from './services/players';
export type { RaceScheduler, RaceTickResult } from './services/race-scheduler';
export { raceTick, scheduleRaces } from './services/race-scheduler';
export type { RaceSummary } from './services/races';
export { getRace } from './services/races';
export type { RateLimits, RateTier, TierLimit } from './services/rate-limit';
export { createRateLimits, defaultTiers, RateLimitedError } from './services/rate-limit';
export type { SiteInfo } from './services/site';
export { defaultSiteInfo } from './services/site';
export type { AccountStanding } from './services/standing';
export { accountStanding } from './services/standing';
export type { AdminStats, RealtimeStats, RealtimeStatsSource } from './services/stats';
export type { HttpUpstreamOptions } from './services/sync/http-source';
export { HttpUpstream } from './services/sync/http-source';
export { SYNC_RUN_LOCK } from './services/sync/locks';
export type { UpstreamRecord } from './services/sync/records';
export type { SyncRunResult } from './services/sync/results';
export { loadPlayerRecords, runSync } from './services/sync/runner';
export type { SyncStatus } from './services/sync/runs';
export type { SyncServiceOptions } from './services/sync/service';
export { SyncService } from './services/sync/service';
export { SimulatedUpstream } from './services/sync/simulator';
export type { FetchOptions, UpstreamSource } from './services/sync/source';
export { UpstreamError } from './services/sync/source';
export { buildTopRanks, TOP_RANKS_DEPTH, topRanksHold } from './services/sync/top-ranks';
export { PlayersUpkeep } from './services/sync/upkeep';
export { notifyAdmins, watchUpstreamAuth } from './services/upstream/alerts';
export { ConfiguredUpstream } from './services/upstream/source';
export type { Ladder, TierBadge, TierProgress, VipTier } from './services/vip';
export { loadLadder, tierOf, tierProgress, vipLadder } from './services/vip';
export { callTier, createCallerFactory } from './trpc';
