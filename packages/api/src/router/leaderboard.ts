import { type TRPCRouterRecord, tracked } from '@trpc/server';
import { z } from 'zod';
import { changes } from '../events/changes';
import {
  leaderboardPosition,
  leaderboardPositionInput,
  leaderboardTop,
  leaderboardTopInput,
} from '../services/leaderboard';
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

  /** The current top N first, then again whenever it changes. */
  onUpdate: publicProcedure.input(onUpdateInput).subscription(async function* ({ ctx, input, signal }) {
    const query = { period: input.period, limit: input.limit, cursor: null };
    let version = 0;
    let last = await leaderboardTop(ctx.db, query);
    yield tracked(String(++version), last);
    for await (const _ of changes(ctx.bus, 'leaderboard.changed', signal)) {
      const next = await leaderboardTop(ctx.db, query);
      // A change outside the requested top N pushes nothing.
      if (JSON.stringify(next.entries) === JSON.stringify(last.entries)) continue;
      last = next;
      yield tracked(String(++version), next);
    }
  }),
} satisfies TRPCRouterRecord;
