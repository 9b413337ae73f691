/**
 * Player claims in Telegram: `/claim NAME` for a linked user, and the Approve / Reject buttons
 * linked admins get under each new claim (sent by notifications.ts). Rejecting asks for the
 * reason as a reply to a prompt, so the user reads why. The server decides who may review: a
 * press from anyone but a linked admin is refused there, and told so here.
 */
import type { Bot, Context, User } from 'node-telegram-bot-api';
import { notLinkedText } from '../format';
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
} from '../format-account';
import { argsOf, attempt, type CommandDeps, isPrivate } from './shared';

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

export function registerClaim(bot: Bot, deps: CommandDeps): void {
  const { api, signal, log } = deps;

  bot.command('claim', async (ctx) => {
    const from = ctx.from;
    if (!isPrivate(ctx) || !from) return ctx.reply(claimPrivateOnlyText);
    const name = argsOf(ctx);
    if (!name) return ctx.reply(claimUsageText);
    const claim = await attempt(log, () => api.telegram.claimPlayer.mutate({ telegramId: from.id, name }, signal()), {
      failed: 'telegram.claimPlayer',
      about: 'your claim',
      refuse: (code, message) =>
        code === 'NOT_FOUND' && /Telegram user/.test(message) ? notLinkedText : claimRefusedText(code, message, name),
    });
    return ctx.reply(claim.ok ? claimFiledText(claim.value) : claim.text);
  });

  bot.on('callback_query', async (ctx) => {
    const from = ctx.from;
    const match = /^claim:(approve|reject):(\d+)$/.exec(ctx.callbackQuery?.data ?? '');
    if (!from || !match) return ctx.answerCallbackQuery({ text: staleButtonText });
    const claimId = Number(match[2]);
    const pressed = await attempt(
      log,
      async () => {
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
      },
      {
        failed: 'claim review',
        about: 'that claim',
        refuse: (code, message) => {
          if (code === 'FORBIDDEN') return reviewForbiddenText;
          if (code === 'CONFLICT' || code === 'NOT_FOUND') return message;
          return undefined;
        },
      },
    );
    if (pressed.ok) return;
    await ctx.answerCallbackQuery({ text: pressed.text, show_alert: true });
    // The claim moved on (reviewed by another admin, or gone): the message says so, without buttons.
    if (pressed.code === 'CONFLICT' || pressed.code === 'NOT_FOUND') await settleReviewMessage(ctx, pressed.text);
  });

  // A reply to the rejection prompt is the reason.
  bot.use(async (ctx, next) => {
    const message = ctx.message;
    const claimId = rejectPromptClaimId(messageText(message?.reply_to_message));
    const reason = message?.text?.trim();
    if (claimId === null || !reason || reason.startsWith('/') || !ctx.from) return next();
    const admin = ctx.from;
    const rejected = await attempt(
      log,
      () =>
        api.telegram.reviewClaim.mutate(
          { requesterTelegramId: admin.id, claimId, decision: 'reject', reason },
          signal(),
        ),
      {
        failed: 'claim rejection',
        about: 'that claim',
        refuse: (code, message) => {
          if (code === 'FORBIDDEN') return reviewForbiddenText;
          if (code === 'CONFLICT' || code === 'NOT_FOUND' || code === 'BAD_REQUEST') {
            return `I couldn't reject claim #${claimId}: ${message}`;
          }
          return undefined;
        },
      },
    );
    if (!rejected.ok) return ctx.reply(rejected.text);
    const claim = rejected.value;
    return ctx.reply(`${rejectedByText(adminName(admin), reason)}\n(Claim #${claim.id}, ${claim.player.name}.)`);
  });
}
