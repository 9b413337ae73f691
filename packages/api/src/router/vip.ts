import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { vipTierOutput } from '../rest/outputs';
import { actorOf } from '../services/audit';
import { listTiers, setTiers, setTiersInput } from '../services/vip';
import { adminProcedure, publicProcedure } from '../trpc';

export const vipRouter = {
  /** The VIP ladder, lowest tier first: name, all-time wager threshold, colour. */
  tiers: publicProcedure
    .meta({
      openapi: { method: 'GET', path: '/vip/tiers', tags: ['vip'], protect: false, summary: 'The VIP ladder' },
    })
    .input(z.object({}).optional())
    .output(z.array(vipTierOutput))
    .query(({ ctx }) => listTiers(ctx)),
} satisfies TRPCRouterRecord;

export const vipAdminRouter = {
  /** Replaces the ladder (validated, audited); every instance reloads it. Returns the new ladder. */
  setTiers: adminProcedure.input(setTiersInput).mutation(({ ctx, input }) => setTiers(ctx, actorOf(ctx), input)),
} satisfies TRPCRouterRecord;
