import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import {
  leaderboardPosition,
  leaderboardPositionInput,
  leaderboardTop,
  leaderboardTopInput,
} from '../services/leaderboard';
import { leaderboardFeed } from '../services/leaderboard-feed';
import { periodSchema } from '../services/periods';
import { publicProcedure } from '../trpc';

const onUpdateInput = z.object({
  period: periodSchema,
  limit: z.number().int().min(1).max(100).default(10),
  // Sent back by reconnecting clients; a leaderboard resumes with its current state.
  lastEventId: z.string().nullish(),
});

export const leaderboardRouter = {
  top: publicProcedure.input(leaderboardTopInput).query(({ ctx, input }) => leaderboardTop(ctx.db, input)),

  position: publicProcedure
    .input(leaderboardPositionInput)
    .query(({ ctx, input }) => leaderboardPosition(ctx.db, input)),

  /**
   * The current top N first, then again whenever it changes. Every subscriber of the same
   * (period, limit) shares one query per change and receives the same snapshot object.
   */
  onUpdate: publicProcedure
    .input(onUpdateInput)
    .subscription(({ ctx, input, signal }) => leaderboardFeed(ctx, input.period, input.limit).subscribe(signal)),
} satisfies TRPCRouterRecord;
