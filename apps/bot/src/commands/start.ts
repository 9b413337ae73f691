/** `/start` (a greeting, or a deep link's link code) and `/help`. */
import type { Bot } from 'node-telegram-bot-api';
import { helpText, startText } from '../format';
import { argsOf, isPrivate } from './shared';
import type { Verify } from './verify';

export function registerStart(bot: Bot, verify: Verify): void {
  bot.command('start', (ctx) => {
    // Deep link t.me/<bot>?start=<CODE> from the dashboard: link in one tap.
    const payload = argsOf(ctx);
    if (payload && isPrivate(ctx)) return verify(ctx, payload);
    return ctx.reply(startText(ctx.from?.first_name));
  });

  bot.command('help', (ctx) => ctx.reply(helpText()));
}
