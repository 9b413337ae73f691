import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './root';

export type { ApiKeyIdentity, AppDeps, Context, DepsLogger, SessionUser } from './context';
export { createContext } from './context';
export type { AppEvents, BusHealth, EventBus, EventTopic } from './events/bus';
export { createInProcessBus } from './events/in-process';
export type { RedisBusOptions } from './events/redis';
export { createRedisBus } from './events/redis';
export type { SharedSubscription, StreamSink } from './events/shared-stream';
export { isSharedSubscription, SharedStream, SharedStreamRegistry, subscribeDirect } from './events/shared-stream';
export type { AppRouter } from './root';
export { appRouter } from './root';
export type { HealthStatus } from './services/health';
export { getHealth } from './services/health';
export { leaderboardFeed } from './services/leaderboard-feed';
export type { Period } from './services/periods';
export { periods } from './services/periods';
export type { AdminStats, RealtimeStats, RealtimeStatsSource } from './services/stats';
export type { UpstreamRecord } from './services/sync/records';
export type { SyncRunResult, SyncScheduler } from './services/sync/runner';
export { loadPlayerRecords, runSync, scheduleSync } from './services/sync/runner';
export { SimulatedUpstream } from './services/sync/simulator';
export type { UpstreamSource } from './services/sync/source';
export type { InputIssue } from './trpc';
export { createCallerFactory } from './trpc';

/** Inputs of every procedure, e.g. `RouterInputs['leaderboard']['top']`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Outputs of every procedure, e.g. `RouterOutputs['races']['standings']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
