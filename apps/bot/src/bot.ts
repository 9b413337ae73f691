import { Bot, type RateLimitOptions } from 'node-telegram-bot-api';
import type { BotApi } from './api';
import { registerBroadcast } from './commands/broadcast';
import { registerClaim } from './commands/claim';
import { registerFallback } from './commands/fallback';
import { registerLeaderboard } from './commands/leaderboard';
import { registerRace } from './commands/race';
import { registerReset } from './commands/reset';
import type { CommandDeps } from './commands/shared';
import { registerStart } from './commands/start';
import { registerStats } from './commands/stats';
import { registerUser } from './commands/user';
import { createVerify, registerVerify } from './commands/verify';
import { createDelivery, type Delivery, type DeliveryOptions } from './delivery';
import { consoleLogger, type Logger } from './log';
import { dropRedeliveredUpdates, ignoreOtherBotsCommands, limitCommandRate } from './middleware';
import { slidingWindowLimiter } from './throttle';

export type { BotApi } from './api';
export { consoleLogger, type Logger } from './log';

/** How the bot talks to Telegram: the library's throttle and retries. */
export interface TelegramTransportOptions {
  /** Requests per second, overall and per chat; null turns the throttle off. Default 25 and 1. */
  rateLimit?: RateLimitOptions | null;
  /** Retries of 429 (after `retry_after`), 5xx and network failures per request. Default 3. */
  maxRetries?: number;
  /** Base of the exponential backoff between those retries. Default 500 ms. */
  retryBackoffMs?: number;
  /** Per-request timeout (long polls get their own). Default 30 s. */
  timeoutMs?: number;
}

export interface CreateBotOptions {
  token: string;
  /** Telegram Bot API origin; default https://api.telegram.org. */
  apiRoot?: string;
  api: BotApi;
  /** Longest wait for one API call before the user gets an apology. Default 10 s. */
  apiTimeoutMs?: number;
  telegram?: TelegramTransportOptions;
  /** Later attempts for notifications and broadcasts (see delivery.ts). */
  delivery?: Omit<DeliveryOptions, 'logger'>;
  /** /verify attempts per Telegram user and window, against code guessing. Default 5 per 10 min. */
  verifyAttempts?: { max: number; windowMs: number };
  /**
   * Commands per Telegram user and window: past it the user is told once to slow down and the
   * rest are dropped, so one person cannot use the server budget others need. Default 20 a minute.
   */
  commandRate?: { max: number; windowMs: number };
  /** The clock, for tests. */
  now?: () => Date;
  logger?: Logger;
}

export interface GoatedBot {
  bot: Bot;
  /** Sends the bot's own messages (broadcasts, notifications) with retries and logging. */
  delivery: Delivery;
  /** Resolves when the broadcasts under way have finished (for shutdown and tests). */
  idle(): Promise<void>;
}

/** Telegram's limits: about 30 messages a second overall, one a second per chat. */
const DEFAULT_RATE_LIMIT: RateLimitOptions = { global: 25, perChat: 1 };

/**
 * The bot with its commands registered (one file each under `commands/`). It talks to the
 * server only through `api` and answers every command it is sent: bad arguments get a usage
 * line, refusals say why, API failures an apology. Who may do what is decided by the server
 * from the Telegram user's linked account; the bot relays the sender's Telegram id.
 */
export function createBot(options: CreateBotOptions): GoatedBot {
  const timeoutMs = options.apiTimeoutMs ?? 10_000;
  const now = options.now ?? (() => new Date());
  const log = options.logger ?? consoleLogger;
  const transport = options.telegram ?? {};
  const rateLimit = transport.rateLimit === undefined ? DEFAULT_RATE_LIMIT : transport.rateLimit;
  const bot = new Bot(options.token, {
    apiRoot: options.apiRoot,
    rateLimit: rateLimit ?? undefined,
    maxRetries: transport.maxRetries ?? 3,
    retryBackoffMs: transport.retryBackoffMs ?? 500,
    timeoutMs: transport.timeoutMs ?? 30_000,
  });
  const delivery = createDelivery(bot.api, { ...options.delivery, logger: log });
  const deps: CommandDeps = {
    api: options.api,
    signal: () => ({ signal: AbortSignal.timeout(timeoutMs) }),
    log,
    now,
  };
  const broadcasts = new Set<Promise<void>>();

  dropRedeliveredUpdates(bot, log);
  ignoreOtherBotsCommands(bot);
  limitCommandRate(bot, { window: options.commandRate ?? { max: 20, windowMs: 60_000 }, now, log });

  const verifyAllowed = slidingWindowLimiter(
    options.verifyAttempts?.max ?? 5,
    options.verifyAttempts?.windowMs ?? 10 * 60_000,
    now,
  );
  const verify = createVerify(deps, verifyAllowed);
  registerStart(bot, verify);
  registerVerify(bot, verify);
  registerStats(bot, deps);
  registerLeaderboard(bot, deps);
  registerRace(bot, deps);
  registerReset(bot, deps);
  registerUser(bot, deps);
  registerBroadcast(bot, { ...deps, delivery, broadcasts });
  registerClaim(bot, deps);
  registerFallback(bot);

  // A failed reply (bot blocked, chat gone, …) is logged; the update is consumed either way.
  bot.catch((err, ctx) => {
    log.error({ err, updateId: ctx.update.update_id }, `update ${ctx.update.update_id} failed:`);
  });

  return {
    bot,
    delivery,
    idle: async () => {
      await Promise.all([...broadcasts]);
    },
  };
}
