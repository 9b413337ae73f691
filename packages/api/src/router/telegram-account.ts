import type { TRPCRouterRecord } from '@trpc/server';
import { actorOf } from '../services/audit';
import { telegramNotifications } from '../services/notifications/telegram-delivery';
import { claimFromTelegram, standingByTelegramId, telegramClaimInput } from '../services/telegram/account';
import {
  claimForTelegramAdmin,
  claimsForAdmins,
  reviewClaimFromTelegram,
  telegramClaimLookupInput,
  telegramReviewInput,
} from '../services/telegram/claim-review';
import { resumableInput, telegramIdInput } from '../services/telegram/inputs';
import { botProcedure, forTelegramUser } from './bot-procedures';

/** The bot's procedures for claims, standings and notifications (merged into `telegram.*`). */
export const telegramAccountProcedures = {
  /** `/claim NAME` for the linked account (NOT_FOUND: this Telegram user is not linked). */
  claimPlayer: forTelegramUser
    .input(telegramClaimInput)
    .mutation(({ ctx, input }) => claimFromTelegram(ctx, actorOf(ctx), input)),

  /** `/stats` and `/race`: the linked user's standing (null: not linked; `standing` null: no player yet). */
  standing: forTelegramUser
    .input(telegramIdInput)
    .query(({ ctx, input }) => standingByTelegramId(ctx, input.telegramId)),

  /** The Approve / Reject buttons under a claim; FORBIDDEN unless the sender is a linked admin. */
  reviewClaim: forTelegramUser
    .input(telegramReviewInput)
    .mutation(({ ctx, input }) => reviewClaimFromTelegram(ctx, actorOf(ctx), input)),

  /** The claim behind a button, for a linked admin (before asking for a reason). */
  claimForReview: forTelegramUser
    .input(telegramClaimLookupInput)
    .query(({ ctx, input }) => claimForTelegramAdmin(ctx.db, input)),

  /** New claims with the linked admins to send them to; replays pending ones after a reconnect. */
  onClaim: botProcedure
    .input(resumableInput.optional())
    .subscription(({ ctx, input, signal }) => claimsForAdmins(ctx, input?.lastEventId, signal)),

  /**
   * Notifications to deliver on Telegram (the users' preferences allow it), tracked by inbox id:
   * after a reconnect with `lastEventId` the ones stored meanwhile come first.
   */
  onNotification: botProcedure
    .input(resumableInput.optional())
    .subscription(({ ctx, input, signal }) => telegramNotifications(ctx, input?.lastEventId, signal)),
} satisfies TRPCRouterRecord;
