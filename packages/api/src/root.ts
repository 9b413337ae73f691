import { adminRouter } from './router/admin';
import { healthRouter } from './router/health';
import { leaderboardRouter } from './router/leaderboard';
import { playersRouter } from './router/players';
import { racesRouter } from './router/races';
import { createTRPCRouter } from './trpc';

/** The one router every client talks to. One sub-router per domain. */
export const appRouter = createTRPCRouter({
  admin: adminRouter,
  health: healthRouter,
  leaderboard: leaderboardRouter,
  players: playersRouter,
  races: racesRouter,
});

export type AppRouter = typeof appRouter;
