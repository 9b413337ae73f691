/** `/reset`: a password-reset token for the sender's linked account, in a private chat. */
import type { Bot } from 'node-telegram-bot-api';
import {
  notLinkedText,
  resetNeedsConfirmationText,
  resetPrivateOnlyText,
  resetTokenText,
  resetUsageText,
  slowDownText,
} from '../format';
import { argsOf, attempt, type CommandDeps, isPrivate, noPreview } from './shared';

export function registerReset(bot: Bot, deps: CommandDeps): void {
  const { api, signal, log } = deps;
  bot.command('reset', async (ctx) => {
    const from = ctx.from;
    if (!isPrivate(ctx) || !from) return ctx.reply(resetPrivateOnlyText);
    if (argsOf(ctx) !== '') return ctx.reply(resetUsageText);
    const reset = await attempt(log, () => api.telegram.issueResetToken.mutate({ telegramId: from.id }, signal()), {
      failed: 'telegram.issueResetToken',
      about: 'a reset token',
      refuse: (code, message) => {
        if (code === 'NOT_FOUND') return notLinkedText;
        if (code === 'PRECONDITION_FAILED') return resetNeedsConfirmationText;
        // Admins, banned accounts: the server says why, in words meant for the person.
        if (code === 'FORBIDDEN') return `${message}.`;
        if (code === 'TOO_MANY_REQUESTS') return slowDownText;
        return undefined;
      },
    });
    return reset.ok ? ctx.reply(resetTokenText(reset.value), noPreview) : ctx.reply(reset.text);
  });
}
