import { adminRouter } from './router/admin';
import { authRouter } from './router/auth';
import { healthRouter } from './router/health';
import { leaderboardRouter } from './router/leaderboard';
import { notificationsRouter } from './router/notifications';
import { playersRouter } from './router/players';
import { racesRouter } from './router/races';
import { telegramRouter } from './router/telegram';
import { createTRPCRouter } from './trpc';

/** The one router every client talks to. One sub-router per domain. */
export const appRouter = createTRPCRouter({
  health: healthRouter,
  auth: authRouter,
  leaderboard: leaderboardRouter,
  players: playersRouter,
  races: racesRouter,
  telegram: telegramRouter,
  admin: adminRouter,
  notifications: notificationsRouter,
});

export type AppRouter = typeof appRouter;
