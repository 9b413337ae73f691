import { accountRouter } from './router/account';
import { adminRouter } from './router/admin';
import { authRouter } from './router/auth';
import { bonusRouter } from './router/bonus';
import { challengesRouter } from './router/challenges';
import { healthRouter } from './router/health';
import { leaderboardRouter } from './router/leaderboard';
import { logsRouter } from './router/logs';
import { notificationsRouter } from './router/notifications';
import { playersRouter } from './router/players';
import { racesRouter } from './router/races';
import { siteRouter } from './router/site';
import { syncRouter } from './router/sync';
import { telegramRouter } from './router/telegram';
import { vipRouter } from './router/vip';
import { createTRPCRouter } from './trpc';

/** The one router every client talks to. One sub-router per domain. */
export const appRouter = createTRPCRouter({
  admin: adminRouter,
  health: healthRouter,
  auth: authRouter,
  account: accountRouter,
  leaderboard: leaderboardRouter,
  players: playersRouter,
  races: racesRouter,
  telegram: telegramRouter,
  challenges: challengesRouter,
  bonus: bonusRouter,
  logs: logsRouter,
  sync: syncRouter,
  notifications: notificationsRouter,
  vip: vipRouter,
  site: siteRouter,
});

export type AppRouter = typeof appRouter;
