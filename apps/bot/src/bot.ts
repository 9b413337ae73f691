import type { RouterInputs, RouterOutputs } from '@goated/api';
import { Bot, type Context } from 'node-telegram-bot-api';
import {
  apiErrorText,
  formatLeaderboard,
  formatNoLiveRace,
  formatRace,
  helpText,
  notACommandText,
  parsePeriodArg,
  type Race,
  raceUsageText,
  startText,
  unknownCommandText,
} from './format';

/** One query procedure as the typed client exposes it (the client's `query` also takes `{ signal }`). */
interface Query<P extends keyof RouterInputs, K extends keyof RouterInputs[P] & keyof RouterOutputs[P]> {
  query(input: RouterInputs[P][K], opts?: { signal?: AbortSignal }): Promise<RouterOutputs[P][K]>;
}

/**
 * The procedures the bot calls. `createClient(...).api` satisfies it (main.ts passes one);
 * tests stub just these three.
 */
export interface BotApi {
  leaderboard: { top: Query<'leaderboard', 'top'> };
  races: { list: Query<'races', 'list'>; standings: Query<'races', 'standings'> };
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, err?: unknown): void;
}

export interface CreateBotOptions {
  token: string;
  /** Telegram Bot API origin; default https://api.telegram.org. */
  apiRoot?: string;
  api: BotApi;
  /** Longest wait for one API call before the user gets an apology. Default 10 s. */
  apiTimeoutMs?: number;
  /** The clock, for tests. */
  now?: () => Date;
  logger?: Logger;
}

export const consoleLogger: Logger = {
  info: (message) => console.log(message),
  warn: (message) => console.warn(message),
  error: (message, err) => console.error(message, err instanceof Error ? err.message : (err ?? '')),
};

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
 * answers every command it is sent: bad arguments get a usage line, API failures an apology.
 */
export function createBot(options: CreateBotOptions): Bot {
  const { api } = options;
  const timeoutMs = options.apiTimeoutMs ?? 10_000;
  const now = options.now ?? (() => new Date());
  const log = options.logger ?? consoleLogger;
  const bot = new Bot(options.token, options.apiRoot ? { apiRoot: options.apiRoot } : {});
  const signal = () => ({ signal: AbortSignal.timeout(timeoutMs) });

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

  bot.command('start', (ctx) => ctx.reply(startText(ctx.from?.first_name)));

  bot.command('help', (ctx) => ctx.reply(helpText()));

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
    let text: string;
    try {
      const { races: live } = await api.races.list.query({ status: 'live', limit: 5 }, signal());
      const [race, ...others] = live;
      if (race) {
        const standings = await api.races.standings.query({ raceId: race.id, limit: 10 }, signal());
        text = formatRace(race, standings, now(), others);
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

  return bot;
}

function soonest(races: Race[]): Race | undefined {
  return races.reduce<Race | undefined>((best, r) => (!best || r.startsAt < best.startsAt ? r : best), undefined);
}
