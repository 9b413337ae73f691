import type { TRPCRouterRecord } from '@trpc/server';
import { adminStats } from '../services/stats';
import { adminProcedure } from '../trpc';

export const adminRouter = {
  /** Connections, subscriptions, messages, refusals and dropped consumers; bus state. */
  stats: adminProcedure.query(({ ctx }) => adminStats(ctx)),
} satisfies TRPCRouterRecord;
