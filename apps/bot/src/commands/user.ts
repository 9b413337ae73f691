/** `/user NAME` (admins, private chat): an account at a glance. */
import type { Bot } from 'node-telegram-bot-api';
import { adminOnlyText, adminPrivateOnlyText, userLookupText, userNotFoundText, userUsageText } from '../format';
import { argsOf, attempt, type CommandDeps, isPrivate, noPreview } from './shared';

export function registerUser(bot: Bot, deps: CommandDeps): void {
  const { api, signal, log } = deps;
  bot.command('user', async (ctx) => {
    const from = ctx.from;
    if (!isPrivate(ctx) || !from) return ctx.reply(adminPrivateOnlyText);
    const name = argsOf(ctx);
    if (!name || /\s/.test(name)) return ctx.reply(userUsageText);
    const user = await attempt(
      log,
      () => api.telegram.lookupUser.query({ requesterTelegramId: from.id, username: name }, signal()),
      {
        failed: 'telegram.lookupUser',
        about: 'that user',
        refuse: (code) => {
          if (code === 'FORBIDDEN') return adminOnlyText('/user');
          if (code === 'NOT_FOUND' || code === 'BAD_REQUEST') return userNotFoundText(name);
          return undefined;
        },
      },
    );
    return user.ok ? ctx.reply(userLookupText(user.value), noPreview) : ctx.reply(user.text);
  });
}
