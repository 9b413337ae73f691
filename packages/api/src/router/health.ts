import type { TRPCRouterRecord } from '@trpc/server';
import { getHealth } from '../services/health';
import { publicProcedure } from '../trpc';

export const healthRouter = {
  status: publicProcedure.query(({ ctx }) => getHealth(ctx)),
} satisfies TRPCRouterRecord;
