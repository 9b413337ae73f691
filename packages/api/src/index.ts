import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './root';

export type { ApiKeyIdentity, AppDeps, Context, SessionUser } from './context';
export { createContext } from './context';
export type { AppEvents, BusHealth, EventBus, EventTopic } from './events/bus';
export { createInProcessBus } from './events/in-process';
export type { HotQuery } from './hot-queries';
export { cacheGeneration, deserializeInput, hotQueries, toWireJson } from './hot-queries';
export type { AppRouter } from './root';
export { appRouter } from './root';
export type { HealthStatus } from './services/health';
export { getHealth } from './services/health';
export type { LeaderboardPage, LeaderboardPosition } from './services/leaderboard';
export { leaderboardPosition, leaderboardTop } from './services/leaderboard';
export type { LiveOptions } from './services/live';
export type { Period } from './services/periods';
export { periods } from './services/periods';
export type { PlayerProfile } from './services/players';
export { getPlayer } from './services/players';
export type { RaceScheduler, RaceTickResult } from './services/race-scheduler';
export { raceTick, scheduleRaces } from './services/race-scheduler';
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
