import { Bot, type Context, type RateLimitOptions } from 'node-telegram-bot-api';
import { apiErrorCode, type BotApi } from './api';
import { registerClaimHandlers } from './claims';
import { createDelivery, type Delivery, type DeliveryOptions } from './delivery';
import {
  adminOnlyText,
  adminPrivateOnlyText,
  alreadyLinkedText,
  announcementText,
  apiErrorText,
  broadcastDoneText,
  broadcastRefusedText,
  broadcastStartedText,
  broadcastUsageText,
  formatLeaderboard,
  formatNoLiveRace,
  formatRace,
  helpText,
  notACommandText,
  notLinkedText,
  parsePeriodArg,
  type Race,
  raceUsageText,
  resetNeedsConfirmationText,
  resetPrivateOnlyText,
  resetTokenText,
  resetUsageText,
  slowDownText,
  staleNoteText,
  startText,
  statsUsageText,
  unknownCommandText,
  userLookupText,
  userNotFoundText,
  userUsageText,
  verifiedText,
  verifyErrorText,
  verifyPrivateOnlyText,
  verifyThrottledText,
  verifyUsageText,
} from './format';
import { bannedText, standingText, youInRaceText } from './format-account';
import { consoleLogger, type Logger } from './log';
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
/** Update ids remembered to drop a redelivered update (webhooks are at-least-once). */
const RECENT_UPDATES = 1_000;

/** The text after the command (the library sets `ctx.match` to it for `bot.command`). */
function argsOf(ctx: Context): string {
  return typeof ctx.match === 'string' ? ctx.match.trim() : '';
}

function isPrivate(ctx: Context): boolean {
  return ctx.chat?.type === 'private';
}

const noPreview = { link_preview_options: { is_disabled: true } };

/**
 * The bot with its commands registered. It talks to the server only through `api` and
 * answers every command it is sent: bad arguments get a usage line, refusals say why, API
 * failures an apology. Who may do what is decided by the server from the Telegram user's
 * linked account; the bot relays the sender's Telegram id.
 */
export function createBot(options: CreateBotOptions): GoatedBot {
  const { api } = options;
  const timeoutMs = options.apiTimeoutMs ?? 10_000;
  const now = options.now ?? (() => new Date());
  const log = options.logger ?? consoleLogger;
  const transport = options.telegram ?? {};
  const rateLimit = transport.rateLimit === undefined ? DEFAULT_RATE_LIMIT : transport.rateLimit;
  const bot = new Bot(options.token, {
    ...(options.apiRoot ? { apiRoot: options.apiRoot } : {}),
    ...(rateLimit ? { rateLimit } : {}),
    maxRetries: transport.maxRetries ?? 3,
    retryBackoffMs: transport.retryBackoffMs ?? 500,
    timeoutMs: transport.timeoutMs ?? 30_000,
  });
  const delivery = createDelivery(bot.api, { ...options.delivery, logger: log });
  const signal = () => ({ signal: AbortSignal.timeout(timeoutMs) });
  const verifyAllowed = slidingWindowLimiter(
    options.verifyAttempts?.max ?? 5,
    options.verifyAttempts?.windowMs ?? 10 * 60_000,
    now,
  );
  const broadcasts = new Set<Promise<void>>();

  // Webhook deliveries are at-least-once: an update seen moments ago is not handled twice.
  const recentUpdates = new Set<number>();
  bot.use(async (ctx, next) => {
    const id = ctx.update.update_id;
    if (recentUpdates.has(id)) {
      log.info(`update ${id} delivered again; ignored`);
      return;
    }
    recentUpdates.add(id);
    if (recentUpdates.size > RECENT_UPDATES) {
      const oldest = recentUpdates.values().next();
      if (!oldest.done) recentUpdates.delete(oldest.value);
    }
    await next();
  });

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

  // In groups a command may be addressed to another bot: those are not ours to answer.
  bot.use(async (ctx, next) => {
    const addressee = /^\/\w+@(\w+)/.exec(ctx.message?.text ?? '')?.[1];
    if (addressee && addressee.toLowerCase() !== (await ownUsername(ctx))) return;
    await next();
  });

  // Each person's own budget of commands (the server counts what the bot asks per person too).
  const commandWindow = options.commandRate ?? { max: 20, windowMs: 60_000 };
  const commandAllowed = slidingWindowLimiter(commandWindow.max, commandWindow.windowMs, now);
  const warnAllowed = slidingWindowLimiter(1, commandWindow.windowMs, now);
  bot.use(async (ctx, next) => {
    const from = ctx.from;
    if (from && ctx.message?.text?.startsWith('/') && !commandAllowed(from.id)) {
      log.info(`Telegram user ${from.id} is over the command rate; dropped`);
      if (warnAllowed(from.id)) await ctx.reply(slowDownText);
      return;
    }
    await next();
  });

  /** Links the sender with a code from the dashboard; shared by /verify and /start CODE. */
  async function verify(ctx: Context, code: string) {
    const from = ctx.from;
    if (!from) return ctx.reply(verifyUsageText);
    if (!verifyAllowed(from.id)) return ctx.reply(verifyThrottledText);
    try {
      const linked = await api.telegram.verify.mutate(
        { code, telegramId: from.id, telegramUsername: from.username ?? null },
        signal(),
      );
      return ctx.reply(verifiedText(linked));
    } catch (err) {
      const code = apiErrorCode(err);
      if (code === 'CONFLICT') {
        // The same /verify handled twice (or sent twice) should not read as a failure.
        const user = await api.telegram.userByTelegramId.query({ telegramId: from.id }, signal()).catch(() => null);
        if (user) return ctx.reply(alreadyLinkedText(user.username));
      }
      if (code === 'TOO_MANY_REQUESTS') return ctx.reply(slowDownText);
      const known = code ? verifyErrorText[code] : undefined;
      if (known) return ctx.reply(known);
      log.error('telegram.verify failed:', err);
      return ctx.reply(apiErrorText('your link code'));
    }
  }

  bot.command('start', (ctx) => {
    // Deep link t.me/<bot>?start=<CODE> from the dashboard: link in one tap.
    const payload = argsOf(ctx);
    if (payload && isPrivate(ctx)) return verify(ctx, payload);
    return ctx.reply(startText(ctx.from?.first_name));
  });

  bot.command('help', (ctx) => ctx.reply(helpText()));

  bot.command('verify', (ctx) => {
    const code = argsOf(ctx);
    if (!isPrivate(ctx)) return ctx.reply(verifyPrivateOnlyText);
    if (!code) return ctx.reply(verifyUsageText);
    return verify(ctx, code);
  });

  bot.command('stats', async (ctx) => {
    const from = ctx.from;
    if (argsOf(ctx) !== '') return ctx.reply(statsUsageText);
    if (!from) return ctx.reply(notLinkedText);
    let text: string;
    // Freshness is a footnote: if it cannot be had, the stats are still worth sending.
    const health = api.health.status.query(undefined, signal()).catch((err: unknown) => {
      log.error('health.status failed:', err);
      return null;
    });
    try {
      const user = await api.telegram.standing.query({ telegramId: from.id }, signal());
      text = user ? standingText(user) : notLinkedText;
      const stale = user?.standing ? await health.then((h) => h && staleNoteText(h.freshness)) : null;
      if (stale) text = `${text}\n\n${stale}`;
    } catch (err) {
      if (apiErrorCode(err) === 'FORBIDDEN') return ctx.reply(bannedText);
      log.error('telegram.standing failed:', err);
      text = apiErrorText('your stats');
    }
    return ctx.reply(text, noPreview);
  });

  bot.command('leaderboard', async (ctx) => {
    const parsed = parsePeriodArg(argsOf(ctx));
    if (!parsed.ok) return ctx.reply(parsed.message);
    let text: string;
    try {
      const page = await api.leaderboard.top.query({ period: parsed.period, limit: 10 }, signal());
      text = formatLeaderboard(page);
    } catch (err) {
      log.error(`leaderboard.top (${parsed.period}) failed:`, err);
      text = apiErrorText('the leaderboard');
    }
    return ctx.reply(text, noPreview);
  });

  bot.command('race', async (ctx) => {
    if (argsOf(ctx) !== '') return ctx.reply(raceUsageText);
    // The sender's own place, if their account and player are linked; the race shows without it.
    const mine = ctx.from
      ? api.telegram.standing.query({ telegramId: ctx.from.id }, signal()).catch(() => null)
      : Promise.resolve(null);
    let text: string;
    try {
      const { races: live } = await api.races.list.query({ status: 'live', limit: 5 }, signal());
      const [race, ...others] = live;
      if (race) {
        const standings = await api.races.standings.query({ raceId: race.id, limit: 10 }, signal());
        text = formatRace(race, standings, now(), others);
        const you = (await mine)?.standing?.races.find((r) => r.raceId === race.id);
        if (you && !standings.final) text = `${text}\n\n${youInRaceText(you)}`;
      } else {
        const { races: upcoming } = await api.races.list.query({ status: 'upcoming', limit: 20 }, signal());
        text = formatNoLiveRace(soonest(upcoming), now());
      }
    } catch (err) {
      log.error('race lookup failed:', err);
      text = apiErrorText('the race');
    }
    return ctx.reply(text, noPreview);
  });

  bot.command('reset', async (ctx) => {
    const from = ctx.from;
    if (!isPrivate(ctx) || !from) return ctx.reply(resetPrivateOnlyText);
    if (argsOf(ctx) !== '') return ctx.reply(resetUsageText);
    try {
      const reset = await api.telegram.issueResetToken.mutate({ telegramId: from.id }, signal());
      return ctx.reply(resetTokenText(reset), noPreview);
    } catch (err) {
      const code = apiErrorCode(err);
      if (code === 'NOT_FOUND') return ctx.reply(notLinkedText);
      if (code === 'PRECONDITION_FAILED') return ctx.reply(resetNeedsConfirmationText);
      // Admins, banned accounts: the server says why, in words meant for the person.
      if (code === 'FORBIDDEN' && err instanceof Error) return ctx.reply(`${err.message}.`);
      if (code === 'TOO_MANY_REQUESTS') return ctx.reply(slowDownText);
      log.error('telegram.issueResetToken failed:', err);
      return ctx.reply(apiErrorText('a reset token'));
    }
  });

  bot.command('user', async (ctx) => {
    const from = ctx.from;
    if (!isPrivate(ctx) || !from) return ctx.reply(adminPrivateOnlyText);
    const name = argsOf(ctx);
    if (!name || /\s/.test(name)) return ctx.reply(userUsageText);
    try {
      const user = await api.telegram.lookupUser.query({ requesterTelegramId: from.id, username: name }, signal());
      return ctx.reply(userLookupText(user), noPreview);
    } catch (err) {
      const code = apiErrorCode(err);
      if (code === 'FORBIDDEN') return ctx.reply(adminOnlyText('/user'));
      if (code === 'NOT_FOUND' || code === 'BAD_REQUEST') return ctx.reply(userNotFoundText(name));
      log.error('telegram.lookupUser failed:', err);
      return ctx.reply(apiErrorText('that user'));
    }
  });

  bot.command('broadcast', async (ctx) => {
    const from = ctx.from;
    const chatId = ctx.chatId;
    if (!isPrivate(ctx) || !from || chatId === undefined) return ctx.reply(adminPrivateOnlyText);
    const text = argsOf(ctx);
    if (!text) return ctx.reply(broadcastUsageText);
    let recipients: number[];
    let announcement: string;
    try {
      const planned = await api.telegram.broadcast.mutate({ requesterTelegramId: from.id, text }, signal());
      recipients = planned.recipients;
      announcement = announcementText(planned.text);
    } catch (err) {
      const code = apiErrorCode(err);
      if (code === 'FORBIDDEN') return ctx.reply(adminOnlyText('/broadcast'));
      if (code === 'BAD_REQUEST' && err instanceof Error) return ctx.reply(broadcastRefusedText(err.message));
      log.error('telegram.broadcast failed:', err);
      return ctx.reply(apiErrorText('the broadcast'));
    }
    await ctx.reply(broadcastStartedText(recipients.length));
    if (recipients.length === 0) return;
    // Sending to everyone takes a while under Telegram's rate limit: the update is done now,
    // and the admin hears back when the last message is out.
    const sending = (async () => {
      const results = await Promise.all(recipients.map((id) => delivery.send(id, announcement, 'broadcast')));
      const delivered = results.filter(Boolean).length;
      log.info(`broadcast by Telegram user ${from.id}: ${delivered} of ${recipients.length} delivered`);
      await delivery.send(
        chatId,
        broadcastDoneText({ delivered, failed: recipients.length - delivered }),
        'broadcast report',
      );
    })();
    broadcasts.add(sending);
    void sending.finally(() => broadcasts.delete(sending));
  });

  registerClaimHandlers(bot, { api, signal, log });

  // Whatever no command above took.
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

  // A failed reply (bot blocked, chat gone, …) is logged; the update is consumed either way.
  bot.catch((err, ctx) => {
    log.error(`update ${ctx.update.update_id} failed:`, err);
  });

  return {
    bot,
    delivery,
    idle: async () => {
      await Promise.all([...broadcasts]);
    },
  };
}

function soonest(races: Race[]): Race | undefined {
  return races.reduce<Race | undefined>((best, r) => (!best || r.startsAt < best.startsAt ? r : best), undefined);
}
