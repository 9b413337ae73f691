import type { TRPCRouterRecord } from '@trpc/server';
import { getHealthView } from '../services/health';
import { publicProcedure } from '../trpc';

export const healthRouter = {
  /** Public: ok/degraded, the version and data freshness; admins get every dependency's state. */
  status: publicProcedure.query(({ ctx }) => getHealthView(ctx, ctx)),
} satisfies TRPCRouterRecord;
