/** `/verify CODE` (and `/start CODE`, the dashboard's deep link): links the sender's account. */
import type { Bot, Context } from 'node-telegram-bot-api';
import {
  alreadyLinkedText,
  slowDownText,
  verifiedText,
  verifyErrorText,
  verifyPrivateOnlyText,
  verifyThrottledText,
  verifyUsageText,
} from '../format';
import { argsOf, attempt, type CommandDeps, isPrivate } from './shared';

export type Verify = (ctx: Context, code: string) => Promise<unknown>;

/** Links the sender with a code from the dashboard; shared by /verify and /start CODE. */
export function createVerify(deps: CommandDeps, allowed: (telegramId: number) => boolean): Verify {
  const { api, signal, log } = deps;
  return async (ctx, code) => {
    const from = ctx.from;
    if (!from) return ctx.reply(verifyUsageText);
    if (!allowed(from.id)) return ctx.reply(verifyThrottledText);
    const linked = await attempt(
      log,
      () =>
        api.telegram.verify.mutate({ code, telegramId: from.id, telegramUsername: from.username ?? null }, signal()),
      {
        failed: 'telegram.verify',
        about: 'your link code',
        refuse: async (errorCode) => {
          if (errorCode === 'CONFLICT') {
            // The same /verify handled twice (or sent twice) should not read as a failure.
            const user = await api.telegram.userByTelegramId.query({ telegramId: from.id }, signal()).catch(() => null);
            if (user) return alreadyLinkedText(user.username);
          }
          if (errorCode === 'TOO_MANY_REQUESTS') return slowDownText;
          return verifyErrorText[errorCode];
        },
      },
    );
    return ctx.reply(linked.ok ? verifiedText(linked.value) : linked.text);
  };
}

export function registerVerify(bot: Bot, verify: Verify): void {
  bot.command('verify', (ctx) => {
    const code = argsOf(ctx);
    if (!isPrivate(ctx)) return ctx.reply(verifyPrivateOnlyText);
    if (!code) return ctx.reply(verifyUsageText);
    return verify(ctx, code);
  });
}
