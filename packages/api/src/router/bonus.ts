import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import {
  bonusClaimInput,
  bonusClaimsInput,
  bonusCreateInput,
  bonusListInput,
  bonusUpdateInput,
  claimBonusCode,
  createBonusCode,
  disableBonusCode,
  enableBonusCode,
  listActiveBonusCodes,
  listBonusClaims,
  listBonusCodes,
  myClaims,
  updateBonusCode,
} from '../services/bonus';
import { adminProcedure, protectedProcedure, publicProcedure } from '../trpc';

export const bonusRouter = {
  /** Codes that can be claimed now (enabled, not expired, claims left), without anyone's claims. Public. */
  active: publicProcedure.query(({ ctx }) => listActiveBonusCodes(ctx.db)),
  claim: protectedProcedure
    .input(bonusClaimInput)
    .mutation(({ ctx, input }) => claimBonusCode(ctx, ctx.user, input.code)),
  myClaims: protectedProcedure.query(({ ctx }) => myClaims(ctx.db, ctx.user.id)),
  create: adminProcedure.input(bonusCreateInput).mutation(({ ctx, input }) => createBonusCode(ctx, input)),
  update: adminProcedure.input(bonusUpdateInput).mutation(({ ctx, input }) => updateBonusCode(ctx, input)),
  disable: adminProcedure
    .input(z.object({ id: z.number().int().positive() }))
    .mutation(({ ctx, input }) => disableBonusCode(ctx, input.id)),
  enable: adminProcedure
    .input(z.object({ id: z.number().int().positive() }))
    .mutation(({ ctx, input }) => enableBonusCode(ctx, input.id)),
  list: adminProcedure.input(bonusListInput).query(({ ctx, input }) => listBonusCodes(ctx.db, input)),
  claims: adminProcedure.input(bonusClaimsInput).query(({ ctx, input }) => listBonusClaims(ctx.db, input)),
} satisfies TRPCRouterRecord;
