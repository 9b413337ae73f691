import type { TRPCRouterRecord } from '@trpc/server';
import {
  changePassword,
  changePasswordInput,
  getMe,
  resetPassword,
  resetPasswordInput,
  signIn,
  signInInput,
  signOut,
  signUp,
  signUpInput,
} from '../services/auth/accounts';
import { protectedProcedure, publicProcedure } from '../trpc';

export const authRouter = {
  // rateTiers: the auth tiers these spend in the service, besides the mutation tier (docs/API.md).
  signUp: publicProcedure
    .meta({ rateTiers: ['authIp'] })
    .input(signUpInput)
    .mutation(({ ctx, input }) => signUp(ctx, input)),
  signIn: publicProcedure
    .meta({ rateTiers: ['authIp', 'authAccountIp', 'authAccount'] })
    .input(signInInput)
    .mutation(({ ctx, input }) => signIn(ctx, input)),
  signOut: publicProcedure.mutation(({ ctx }) => signOut(ctx)),
  /** The signed-in user, or null. */
  me: publicProcedure.query(({ ctx }) => (ctx.user ? getMe(ctx.db, ctx.user.id) : null)),
  changePassword: protectedProcedure
    .input(changePasswordInput)
    .mutation(({ ctx, input }) => changePassword(ctx, ctx.user.id, input)),
  /** With a one-time token from an admin or the bot. */
  resetPassword: publicProcedure
    .meta({ rateTiers: ['authIp'] })
    .input(resetPasswordInput)
    .mutation(({ ctx, input }) => resetPassword(ctx, input)),
} satisfies TRPCRouterRecord;
