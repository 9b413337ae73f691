import { healthRouter } from './router/health';
import { leaderboardRouter } from './router/leaderboard';
import { logsRouter } from './router/logs';
import { playersRouter } from './router/players';
import { racesRouter } from './router/races';
import { syncRouter } from './router/sync';
import { createTRPCRouter } from './trpc';

/** The one router every client talks to. One sub-router per domain. */
export const appRouter = createTRPCRouter({
  health: healthRouter,
  leaderboard: leaderboardRouter,
  players: playersRouter,
  races: racesRouter,
  logs: logsRouter,
  sync: syncRouter,
});

export type AppRouter = typeof appRouter;
