/**
 * Player claims in Telegram: `/claim NAME` for a linked user, and the Approve / Reject buttons
 * linked admins get under each new claim (sent by notifications.ts). Rejecting asks for the
 * reason as a reply to a prompt, so the user reads why. The server decides who may review: a
 * press from anyone but a linked admin is refused there, and told so here.
 */
import type { Bot, Context, User } from 'node-telegram-bot-api';
import { apiErrorCode, type BotApi } from './api';
import { apiErrorText, notLinkedText } from './format';
import {
  approvedByText,
  claimFiledText,
  claimPrivateOnlyText,
  claimRefusedText,
  claimUsageText,
  rejectedByText,
  rejectPromptClaimId,
  rejectPromptText,
  reviewedText,
  reviewForbiddenText,
  staleButtonText,
} from './format-account';
import type { Logger } from './log';

export interface ClaimHandlerOptions {
  api: BotApi;
  /** Bounds each API call. */
  signal: () => { signal: AbortSignal };
  log: Logger;
}

function adminName(from: User): string {
  return from.username ? `@${from.username}` : from.first_name;
}

function messageText(message: unknown): string | undefined {
  return message && typeof message === 'object' && 'text' in message && typeof message.text === 'string'
    ? message.text
    : undefined;
}

/** The review message under the pressed button: its outcome appended, its buttons gone. */
async function settleReviewMessage(ctx: Context, outcome: string): Promise<void> {
  const message = ctx.callbackQuery?.message;
  if (!message) return;
  const original = messageText(message) ?? '';
  await ctx.api
    .editMessageText({
      chat_id: message.chat.id,
      message_id: message.message_id,
      text: reviewedText(original, outcome),
      reply_markup: { inline_keyboard: [] },
    })
    .catch(() => undefined);
}

export function registerClaimHandlers(bot: Bot, options: ClaimHandlerOptions): void {
  const { api, signal, log } = options;

  bot.command('claim', async (ctx) => {
    const from = ctx.from;
    if (ctx.chat?.type !== 'private' || !from) return ctx.reply(claimPrivateOnlyText);
    const name = typeof ctx.match === 'string' ? ctx.match.trim() : '';
    if (!name) return ctx.reply(claimUsageText);
    try {
      const claim = await api.telegram.claimPlayer.mutate({ telegramId: from.id, name }, signal());
      return ctx.reply(claimFiledText(claim));
    } catch (err) {
      const code = apiErrorCode(err);
      if (code === 'NOT_FOUND' && err instanceof Error && /Telegram user/.test(err.message)) {
        return ctx.reply(notLinkedText);
      }
      if (code && err instanceof Error) return ctx.reply(claimRefusedText(code, err.message, name));
      log.error('telegram.claimPlayer failed:', err);
      return ctx.reply(apiErrorText('your claim'));
    }
  });

  bot.on('callback_query', async (ctx) => {
    const from = ctx.from;
    const match = /^claim:(approve|reject):(\d+)$/.exec(ctx.callbackQuery?.data ?? '');
    if (!from || !match) return ctx.answerCallbackQuery({ text: staleButtonText });
    const claimId = Number(match[2]);
    try {
      if (match[1] === 'approve') {
        const claim = await api.telegram.reviewClaim.mutate(
          { requesterTelegramId: from.id, claimId, decision: 'approve' },
          signal(),
        );
        await ctx.answerCallbackQuery({ text: `Approved: ${claim.player.name} is linked.` });
        await settleReviewMessage(ctx, approvedByText(claim, adminName(from)));
        return;
      }
      const claim = await api.telegram.claimForReview.query({ requesterTelegramId: from.id, claimId }, signal());
      if (claim.status !== 'pending') {
        await ctx.answerCallbackQuery({ text: `This claim was already ${claim.status}.` });
        await settleReviewMessage(ctx, `This claim was already ${claim.status}.`);
        return;
      }
      await ctx.answerCallbackQuery();
      await ctx.reply(rejectPromptText(claim), {
        reply_markup: { force_reply: true, input_field_placeholder: 'The reason the user will read' },
      });
    } catch (err) {
      const code = apiErrorCode(err);
      if (code === 'FORBIDDEN') return ctx.answerCallbackQuery({ text: reviewForbiddenText, show_alert: true });
      if ((code === 'CONFLICT' || code === 'NOT_FOUND') && err instanceof Error) {
        await ctx.answerCallbackQuery({ text: err.message, show_alert: true });
        await settleReviewMessage(ctx, err.message);
        return;
      }
      log.error('claim review failed:', err);
      return ctx.answerCallbackQuery({ text: apiErrorText('that claim'), show_alert: true });
    }
  });

  // A reply to the rejection prompt is the reason.
  bot.use(async (ctx, next) => {
    const message = ctx.message;
    const claimId = rejectPromptClaimId(messageText(message?.reply_to_message));
    const reason = message?.text?.trim();
    if (claimId === null || !reason || reason.startsWith('/') || !ctx.from) return next();
    try {
      const claim = await api.telegram.reviewClaim.mutate(
        { requesterTelegramId: ctx.from.id, claimId, decision: 'reject', reason },
        signal(),
      );
      return ctx.reply(`${rejectedByText(adminName(ctx.from), reason)}\n(Claim #${claim.id}, ${claim.player.name}.)`);
    } catch (err) {
      const code = apiErrorCode(err);
      if (code === 'FORBIDDEN') return ctx.reply(reviewForbiddenText);
      if ((code === 'CONFLICT' || code === 'NOT_FOUND' || code === 'BAD_REQUEST') && err instanceof Error) {
        return ctx.reply(`I couldn't reject claim #${claimId}: ${err.message}`);
      }
      log.error('claim rejection failed:', err);
      return ctx.reply(apiErrorText('that claim'));
    }
  });
}
