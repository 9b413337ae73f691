import type { TRPCRouterRecord } from '@trpc/server';
import { actorOf } from '../services/audit';
import {
  broadcast,
  broadcastInput,
  createLinkCode,
  finishedRaces,
  issueResetTokenFor,
  livePositions,
  lookupUser,
  lookupUserInput,
  resumableInput,
  telegramIdInput,
  userByTelegramId,
  verifyLink,
  verifyLinkInput,
} from '../services/telegram';
import { protectedProcedure, scopedProcedure } from '../trpc';
import { telegramAccountProcedures } from './telegram-account';

const botProcedure = scopedProcedure('bot');

export const telegramRouter = {
  /** A one-time code (10 minutes) the signed-in user sends to the bot as `/verify CODE`. */
  createLinkCode: protectedProcedure.mutation(({ ctx }) => createLinkCode(ctx.db, ctx.user.id)),

  /**
   * The bot links the Telegram user to the code's account. NOT_FOUND: no such code; CONFLICT:
   * already used; PRECONDITION_FAILED: expired or replaced. A Telegram account linked elsewhere
   * is moved to this account.
   */
  verify: botProcedure.input(verifyLinkInput).mutation(({ ctx, input }) => verifyLink(ctx, actorOf(ctx), input)),

  /** The account linked to a Telegram user (role, linked player's wagers and ranks), or null. */
  userByTelegramId: botProcedure
    .input(telegramIdInput)
    .query(({ ctx, input }) => userByTelegramId(ctx.db, input.telegramId)),

  /** The bot asks for a reset token for the account linked to this Telegram user (private chat only). */
  issueResetToken: botProcedure
    .input(telegramIdInput)
    .mutation(({ ctx, input }) => issueResetTokenFor(ctx.db, actorOf(ctx), input.telegramId)),

  /** `/user NAME` for a linked admin (FORBIDDEN for anyone else). */
  lookupUser: botProcedure.input(lookupUserInput).query(({ ctx, input }) => lookupUser(ctx.db, actorOf(ctx), input)),

  /** `/broadcast TEXT` for a linked admin: the Telegram ids to send it to (also stored in inboxes). */
  broadcast: botProcedure.input(broadcastInput).mutation(({ ctx, input }) => broadcast(ctx, actorOf(ctx), input)),

  /** Linked players' ranks in every live race (the bot polls it to announce big moves). */
  livePositions: botProcedure.query(({ ctx }) => livePositions(ctx.db)),

  /** Finalized races with each winner's linked Telegram id; replays missed ones on reconnect. */
  onRaceFinished: botProcedure
    .input(resumableInput.optional())
    .subscription(({ ctx, input, signal }) => finishedRaces(ctx, input?.lastEventId, signal)),

  ...telegramAccountProcedures,
} satisfies TRPCRouterRecord;
