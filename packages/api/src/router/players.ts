import type { TRPCRouterRecord } from '@trpc/server';
import { getPlayer, getPlayerHistory, playerHistoryInput, playerUidInput } from '../services/players';
import { publicProcedure } from '../trpc';

export const playersRouter = {
  get: publicProcedure.input(playerUidInput).query(({ ctx, input }) => getPlayer(ctx.db, input.uid)),
  history: publicProcedure.input(playerHistoryInput).query(({ ctx, input }) => getPlayerHistory(ctx.db, input)),
} satisfies TRPCRouterRecord;
