/**
 * What every update passes before a command sees it: redelivered updates dropped, commands
 * addressed to other bots ignored, each person's command rate held.
 */
import type { Bot, Context } from 'node-telegram-bot-api';
import { slowDownText } from './format';
import type { Logger } from './log';
import { slidingWindowLimiter } from './throttle';

/** Update ids remembered to drop a redelivered update (webhooks are at-least-once). */
const RECENT_UPDATES = 1_000;

/** Webhook deliveries are at-least-once: an update seen moments ago is not handled twice. */
export function dropRedeliveredUpdates(bot: Bot, log: Logger): void {
  const recentUpdates = new Set<number>();
  bot.use(async (ctx, next) => {
    const id = ctx.update.update_id;
    if (recentUpdates.has(id)) {
      log.info({ updateId: id }, `update ${id} delivered again; ignored`);
      return;
    }
    recentUpdates.add(id);
    if (recentUpdates.size > RECENT_UPDATES) {
      const oldest = recentUpdates.values().next();
      if (!oldest.done) recentUpdates.delete(oldest.value);
    }
    await next();
  });
}

/** In groups a command may be addressed to another bot: those are not ours to answer. */
export function ignoreOtherBotsCommands(bot: Bot): void {
  // The bot's own @username, looked up once, to tell `/cmd@us` from `/cmd@someOtherBot`.
  let username: Promise<string | undefined> | undefined;
  const ownUsername = (ctx: Context) => {
    username ??= ctx.api.getMe().then(
      (me) => me.username?.toLowerCase(),
      (err: unknown) => {
        username = undefined;
        throw err;
      },
    );
    return username;
  };
  bot.use(async (ctx, next) => {
    const addressee = /^\/\w+@(\w+)/.exec(ctx.message?.text ?? '')?.[1];
    if (addressee && addressee.toLowerCase() !== (await ownUsername(ctx))) return;
    await next();
  });
}

/**
 * Each person's own budget of commands (the server counts what the bot asks per person too):
 * past it the person is told once per window to slow down, and the rest are dropped.
 */
export function limitCommandRate(
  bot: Bot,
  options: { window: { max: number; windowMs: number }; now: () => Date; log: Logger },
): void {
  const { window, now, log } = options;
  const commandAllowed = slidingWindowLimiter(window.max, window.windowMs, now);
  const warnAllowed = slidingWindowLimiter(1, window.windowMs, now);
  bot.use(async (ctx, next) => {
    const from = ctx.from;
    if (from && ctx.message?.text?.startsWith('/') && !commandAllowed(from.id)) {
      log.info({ telegramUserId: from.id }, `Telegram user ${from.id} is over the command rate; dropped`);
      if (warnAllowed(from.id)) await ctx.reply(slowDownText);
      return;
    }
    await next();
  });
}
