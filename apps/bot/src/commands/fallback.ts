/** Whatever no command took: an unknown command, or plain text in a private chat. */
import type { Bot } from 'node-telegram-bot-api';
import { notACommandText, unknownCommandText } from '../format';
import { isPrivate } from './shared';

export function registerFallback(bot: Bot): void {
  bot.on('message', async (ctx) => {
    const text = ctx.message?.text ?? '';
    const command = /^\/\w+(@\w+)?/.exec(text);
    if (command) {
      // In a group, a bare unknown command may be meant for another bot: answer only when addressed.
      if (isPrivate(ctx) || command[1]) await ctx.reply(unknownCommandText(command[0].split('@')[0] ?? command[0]));
    } else if (isPrivate(ctx)) {
      await ctx.reply(notACommandText);
    }
  });
}
