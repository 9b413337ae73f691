import { schema } from '@goated/db';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { actorOf } from '../services/audit';
import { issueResetToken } from '../services/auth/accounts';
import { scopedProcedure } from '../trpc';

const telegramId = z.number().int().positive();

export const telegramRouter = {
  /** The bot asks for a reset token for the account linked to this Telegram user (private chat only). */
  issueResetToken: scopedProcedure('bot')
    .input(z.object({ telegramId }))
    .mutation(async ({ ctx, input }) => {
      const [user] = await ctx.db
        .select({ id: schema.users.id })
        .from(schema.users)
        .where(eq(schema.users.telegramId, input.telegramId));
      if (!user) throw new TRPCError({ code: 'NOT_FOUND', message: 'No account is linked to this Telegram user' });
      return issueResetToken(ctx.db, actorOf(ctx), user.id);
    }),
} satisfies TRPCRouterRecord;
