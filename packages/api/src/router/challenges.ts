import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import {
  challengeDisputesInput,
  challengeEntriesInput,
  challengeReviewInput,
  challengeSubmitInput,
  listDisputes,
  listEntries,
  myEntries,
  reviewEntry,
  submitEntry,
} from '../services/challenge-entries';
import {
  challengeCreateInput,
  challengeListInput,
  challengeUpdateInput,
  closeChallenge,
  createChallenge,
  getChallenge,
  listChallenges,
  updateChallenge,
} from '../services/challenges';
import { adminProcedure, protectedProcedure, publicProcedure } from '../trpc';

const idInput = z.object({ id: z.number().int().positive() });

export const challengesRouter = {
  list: publicProcedure.input(challengeListInput).query(({ ctx, input }) => listChallenges(ctx.db, input)),
  get: publicProcedure.input(idInput).query(({ ctx, input }) => getChallenge(ctx.db, input.id)),
  submit: protectedProcedure
    .input(challengeSubmitInput)
    .mutation(({ ctx, input }) => submitEntry(ctx.db, ctx.user, input)),
  myEntries: protectedProcedure.query(({ ctx }) => myEntries(ctx.db, ctx.user.id)),
  create: adminProcedure.input(challengeCreateInput).mutation(({ ctx, input }) => createChallenge(ctx, input)),
  update: adminProcedure.input(challengeUpdateInput).mutation(({ ctx, input }) => updateChallenge(ctx, input)),
  close: adminProcedure.input(idInput).mutation(({ ctx, input }) => closeChallenge(ctx, input.id)),
  entries: adminProcedure.input(challengeEntriesInput).query(({ ctx, input }) => listEntries(ctx.db, input)),
  review: adminProcedure.input(challengeReviewInput).mutation(({ ctx, input }) => reviewEntry(ctx, input)),
  /** Bets entered by more than one user (nothing ties a bet to who placed it): an admin settles them. */
  disputes: adminProcedure.input(challengeDisputesInput).query(({ ctx, input }) => listDisputes(ctx.db, input)),
} satisfies TRPCRouterRecord;
