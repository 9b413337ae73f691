/**
 * The bot against a fake Telegram Bot API with the server's procedures stubbed through the
 * client's own types: the stubs, the updates, and `useStubBot()`, which gives a test file its
 * own fake Telegram (reset before each test) and a `makeBot` pointed at it.
 */
import { type FakeTelegram, startFakeTelegram, TOKEN } from '@goated/testing/telegram';
import type { Bot, Update } from 'node-telegram-bot-api';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type BotApi, type CreateBotOptions, createBot, type Logger } from '../../src/bot';
import type { LeaderboardPage, Race, RaceStandings } from '../../src/format';

export const now = new Date('2025-06-10T12:00:00Z');

export const live: Race = {
  id: 7,
  name: 'June Wager Race',
  description: '',
  startsAt: new Date('2025-06-01T00:00:00Z'),
  endsAt: new Date('2025-06-12T15:30:00Z'),
  prizePool: '5000.00',
  prizes: [{ rank: 1, prize: '5000.00' }],
  status: 'live',
  finalizedAt: null,
  minWager: '0.00',
  templateId: null,
  participants: null,
  winners: [],
};

const copper = { rank: 1, name: 'Copper', colour: '#c46a3c' };

/** Records each procedure call; `fail` makes every procedure throw like an unreachable server. */
export function stubApi(options: { fail?: boolean; liveRaces?: Race[] } = {}) {
  const queries: { path: string; input: unknown }[] = [];
  const check = (path: string, input: unknown) => {
    queries.push({ path, input });
    if (options.fail) throw new Error('fetch failed');
  };
  // The account procedures run against a real server in server.test.ts.
  const notStubbed = (path: string, input: unknown): never => {
    check(path, input);
    throw new Error(`${path} is not stubbed here`);
  };
  const api: BotApi = {
    leaderboard: {
      top: {
        query: async (input): Promise<LeaderboardPage> => {
          check('leaderboard.top', input);
          return {
            period: input.period,
            entries: [{ rank: 1, uid: 'a', name: 'Alice', wagered: '1500.00', tier: copper }],
            nextCursor: null,
            generatedAt: now,
          };
        },
      },
    },
    health: { status: { query: async (input) => notStubbed('health.status', input) } },
    telegram: {
      verify: { mutate: async (input) => notStubbed('telegram.verify', input) },
      userByTelegramId: { query: async (input) => notStubbed('telegram.userByTelegramId', input) },
      issueResetToken: { mutate: async (input) => notStubbed('telegram.issueResetToken', input) },
      lookupUser: { query: async (input) => notStubbed('telegram.lookupUser', input) },
      broadcast: { mutate: async (input) => notStubbed('telegram.broadcast', input) },
      // The sender of these updates has no linked account.
      standing: {
        query: async (input) => {
          check('telegram.standing', input);
          return null;
        },
      },
      claimPlayer: { mutate: async (input) => notStubbed('telegram.claimPlayer', input) },
      reviewClaim: { mutate: async (input) => notStubbed('telegram.reviewClaim', input) },
      claimForReview: { query: async (input) => notStubbed('telegram.claimForReview', input) },
    },
    races: {
      list: {
        query: async (input) => {
          check('races.list', input);
          return { races: input.status === 'live' ? (options.liveRaces ?? [live]) : [], nextCursor: null };
        },
      },
      standings: {
        query: async (input): Promise<RaceStandings> => {
          check('races.standings', input);
          return {
            raceId: input.raceId,
            status: 'live',
            startsAt: live.startsAt,
            endsAt: live.endsAt,
            final: false,
            standings: [{ rank: 1, uid: 'a', name: 'Alice', wagered: '800.00', prize: '5000.00', tier: copper }],
            generatedAt: now,
          };
        },
      },
    },
  };
  return { api, queries };
}

let nextUpdateId = 1;

/** A private message from Pat (user 5), in chat 1001 unless told. */
export function message(text: string, chat: { id: number; type: string } = { id: 1001, type: 'private' }): Update {
  return {
    update_id: nextUpdateId++,
    message: {
      message_id: nextUpdateId,
      date: Math.floor(now.getTime() / 1000),
      chat,
      from: { id: 5, is_bot: false, first_name: 'Pat' },
      text,
    },
  };
}

/** A private message from user `id` in their own chat. */
export function messageFrom(id: number, text: string): Update {
  return {
    update_id: nextUpdateId++,
    message: {
      message_id: nextUpdateId,
      date: Math.floor(now.getTime() / 1000),
      chat: { id, type: 'private' },
      from: { id, is_bot: false, first_name: `User ${id}` },
      text,
    },
  };
}

export interface StubBotKit {
  readonly telegram: FakeTelegram;
  readonly apiRoot: string;
  /** Errors the quiet logger saw (clear it with `errors.length = 0`). */
  errors: string[];
  quietLogger: Logger;
  /** Every sendMessage's params so far. */
  sent(): Record<string, string>[];
  makeBot(api: BotApi, options?: Partial<CreateBotOptions>): Bot;
}

/** A fake Telegram for this test file, reset before each test, and a bot factory for it. */
export function useStubBot(): StubBotKit {
  let telegram: FakeTelegram | undefined;
  beforeAll(async () => {
    telegram = await startFakeTelegram();
  });
  afterAll(() => telegram?.close());
  beforeEach(() => {
    telegram?.reset();
  });
  const started = () => {
    if (!telegram) throw new Error('the fake Telegram has not started (use it inside a test)');
    return telegram;
  };
  const errors: string[] = [];
  const quietLogger: Logger = { info: () => {}, warn: () => {}, error: (_fields, m) => errors.push(m) };
  return {
    get telegram() {
      return started();
    },
    get apiRoot() {
      return started().apiRoot;
    },
    errors,
    quietLogger,
    sent: () => started().sent(),
    makeBot: (api, options = {}) =>
      createBot({
        token: TOKEN,
        apiRoot: started().apiRoot,
        api,
        now: () => now,
        logger: quietLogger,
        telegram: { rateLimit: null, retryBackoffMs: 1 },
        ...options,
      }).bot,
  };
}
