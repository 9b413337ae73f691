import type { TRPCRouterRecord } from '@trpc/server';
import { actorOf } from '../services/audit';
import { cancelClaim, claimPlayer, claimPlayerInput, myClaim } from '../services/claims';
import { accountStanding } from '../services/standing';
import { protectedProcedure } from '../trpc';

export const accountRouter = {
  /** "I am this casino player": by casino username (`{ name }`) or `{ uid }`; pending until an admin approves. */
  claimPlayer: protectedProcedure
    .input(claimPlayerInput)
    .mutation(({ ctx, input }) => claimPlayer(ctx, actorOf(ctx), ctx.user.id, input)),
  /** My latest claim: `none`, or pending / approved / rejected (with the reason). */
  claim: protectedProcedure.query(({ ctx }) => myClaim(ctx.db, ctx.user.id)),
  /** Withdraws my pending claim. */
  cancelClaim: protectedProcedure.mutation(({ ctx }) => cancelClaim(ctx, actorOf(ctx), ctx.user.id)),
  /** null when no player is linked; else ranks per period and places in live races with prizes and gaps. */
  standing: protectedProcedure.query(({ ctx }) => accountStanding(ctx, ctx.user.id)),
} satisfies TRPCRouterRecord;
