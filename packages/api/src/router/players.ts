import type { TRPCRouterRecord } from '@trpc/server';
import { playerHistoryOutput, playerProfileOutput } from '../rest/outputs';
import { getPlayer, getPlayerHistory, playerHistoryInput, playerUidInput } from '../services/players';
import { vipLadder } from '../services/vip';
import { publicProcedure } from '../trpc';

export const playersRouter = {
  get: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/players/{uid}',
        tags: ['players'],
        protect: false,
        summary: "A player's totals and ranks per period, and their live races",
      },
    })
    .input(playerUidInput)
    .output(playerProfileOutput)
    .query(async ({ ctx, input }) => getPlayer(ctx.db, input.uid, await vipLadder(ctx))),
  history: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/players/{uid}/history',
        tags: ['players'],
        protect: false,
        summary: "A player's wagers per UTC day",
      },
    })
    .input(playerHistoryInput)
    .output(playerHistoryOutput)
    .query(({ ctx, input }) => getPlayerHistory(ctx.db, input)),
} satisfies TRPCRouterRecord;
