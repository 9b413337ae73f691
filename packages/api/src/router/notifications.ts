import type { TRPCRouterRecord } from '@trpc/server';
import { busEvents } from '../events/iterate';
import { protectedProcedure } from '../trpc';

export const notificationsRouter = {
  /** This user's notifications from now on (challenge approved, Telegram linked, …). */
  onNotify: protectedProcedure.subscription(({ ctx, signal }) =>
    busEvents(ctx.bus, 'user.notification', signal, { filter: (event) => event.userId === ctx.user.id }),
  ),
} satisfies TRPCRouterRecord;
