import { periodSchema } from '@goated/validators';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import {
  cachedLeaderboardPosition,
  cachedLeaderboardTop,
  cachedMvps,
  leaderboardUpdates,
  mvpUpdates,
} from '../live/live';
import { leaderboardPageOutput, leaderboardPositionOutput, mvpsOutput } from '../rest/outputs';
import { leaderboardPositionInput, leaderboardTopInput } from '../services/leaderboard';
import { publicProcedure } from '../trpc';

const onUpdateInput = z.object({
  period: periodSchema,
  limit: z.number().int().min(1).max(100).default(10),
  // Sent back by reconnecting clients; a leaderboard resumes with its current state.
  lastEventId: z.string().nullish(),
});

export const leaderboardRouter = {
  top: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/leaderboard/{period}',
        tags: ['leaderboard'],
        protect: false,
        summary: "A page of a period's leaderboard",
      },
    })
    .input(leaderboardTopInput)
    .output(leaderboardPageOutput)
    .query(({ ctx, input }) => cachedLeaderboardTop(ctx, input)),

  position: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/leaderboard/{period}/players/{uid}',
        tags: ['leaderboard'],
        protect: false,
        summary: "A player's rank with the players around them",
      },
    })
    .input(leaderboardPositionInput)
    .output(leaderboardPositionOutput)
    .query(({ ctx, input }) => cachedLeaderboardPosition(ctx, input)),

  /** Today's, this week's and this month's #1 (null for a period nobody has wagered in yet). */
  mvps: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/mvps',
        tags: ['leaderboard'],
        protect: false,
        summary: "Today's, this week's and this month's #1",
      },
    })
    .input(z.object({}).optional())
    .output(mvpsOutput)
    .query(({ ctx }) => cachedMvps(ctx)),

  /** The MVPs now, then again whenever one of them changes (coalesced, shared by every subscriber). */
  onMvps: publicProcedure
    .meta({ sharedStream: true })
    .input(z.object({ lastEventId: z.string().nullish() }).optional())
    .subscription(({ ctx, signal }) => mvpUpdates(ctx, signal)),

  /** The current top N first, then again whenever it changes (coalesced, shared per period and N). */
  onUpdate: publicProcedure
    .meta({ sharedStream: true })
    .input(onUpdateInput)
    .subscription(({ ctx, input, signal }) => leaderboardUpdates(ctx, input, signal)),
} satisfies TRPCRouterRecord;
