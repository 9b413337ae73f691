import type { TRPCRouterRecord } from '@trpc/server';
import { actorOf } from '../services/audit';
import { broadcast, broadcastInput, lookupUser, lookupUserInput } from '../services/telegram/admin-commands';
import { userByTelegramId } from '../services/telegram/identity';
import { resumableInput, telegramIdInput } from '../services/telegram/inputs';
import {
  confirmLink,
  confirmLinkInput,
  createLinkCode,
  issueResetTokenFor,
  unlinkTelegram,
  verifyLink,
  verifyLinkInput,
} from '../services/telegram/link';
import { finishedRaces, livePositions } from '../services/telegram/race-feeds';
import { protectedProcedure } from '../trpc';
import { botProcedure, forTelegramUser } from './bot-procedures';
import { telegramAccountProcedures } from './telegram-account';

export const telegramRouter = {
  /** A one-time code (10 minutes) the signed-in user sends to the bot as `/verify CODE`. */
  createLinkCode: protectedProcedure.mutation(({ ctx }) => createLinkCode(ctx.db, ctx.user.id)),

  /**
   * The bot links the Telegram user to the code's account — unconfirmed — and gets back the
   * confirmation code to send to that chat. NOT_FOUND: no such code; CONFLICT: already used;
   * PRECONDITION_FAILED: expired or replaced. A Telegram account linked elsewhere is moved.
   */
  verify: forTelegramUser.input(verifyLinkInput).mutation(({ ctx, input }) => verifyLink(ctx, actorOf(ctx), input)),

  /** The signed-in user enters the code the bot sent: the link now counts (password resets). */
  confirmLink: protectedProcedure
    .input(confirmLinkInput)
    .mutation(({ ctx, input }) => confirmLink(ctx, actorOf(ctx), ctx.user.id, input)),

  /** The signed-in user removes their Telegram link. */
  unlink: protectedProcedure.mutation(({ ctx }) => unlinkTelegram(ctx, actorOf(ctx), ctx.user.id)),

  /** The account linked to a Telegram user (role, linked player's wagers and ranks), or null. */
  userByTelegramId: forTelegramUser
    .input(telegramIdInput)
    .query(({ ctx, input }) => userByTelegramId(ctx.db, input.telegramId)),

  /**
   * A reset token for the account linked to this Telegram user (private chat only): a confirmed
   * link, not an admin (FORBIDDEN), PRECONDITION_FAILED until the link is confirmed.
   */
  issueResetToken: forTelegramUser
    .input(telegramIdInput)
    .mutation(({ ctx, input }) => issueResetTokenFor(ctx, actorOf(ctx), input.telegramId)),

  /** `/user NAME` for a linked admin (FORBIDDEN for anyone else). */
  lookupUser: forTelegramUser.input(lookupUserInput).query(({ ctx, input }) => lookupUser(ctx.db, actorOf(ctx), input)),

  /** `/broadcast TEXT` for a linked admin: the Telegram ids to send it to (also stored in inboxes). */
  broadcast: forTelegramUser.input(broadcastInput).mutation(({ ctx, input }) => broadcast(ctx, actorOf(ctx), input)),

  /** Linked players' ranks in every live race (the bot polls it to announce big moves). */
  livePositions: botProcedure.query(({ ctx }) => livePositions(ctx.db)),

  /** Finalized races with each winner's linked Telegram id; replays missed ones on reconnect. */
  onRaceFinished: botProcedure
    .input(resumableInput.optional())
    .subscription(({ ctx, input, signal }) => finishedRaces(ctx, input?.lastEventId, signal)),

  ...telegramAccountProcedures,
} satisfies TRPCRouterRecord;
