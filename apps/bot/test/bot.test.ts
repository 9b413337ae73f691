/**
 * The bot against a fake Telegram Bot API (node:http answering `POST /bot<token>/<method>`),
 * with updates injected through `bot.handleUpdate` and the webhook server, and the server's
 * procedures stubbed through the client's own types. The account commands and notifications
 * run against a real server in server.test.ts.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FakeTelegram, serverError, startFakeTelegram, TOKEN, tooManyRequests } from '@goated/testing/telegram';
import type { Bot, Update } from 'node-telegram-bot-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BotApi, type CreateBotOptions, createBot, type Logger } from '../src/bot';
import { createDelivery } from '../src/delivery';
import type { LeaderboardPage, Race, RaceStandings } from '../src/format';
import { createWebhookServer, secretMatches } from '../src/webhook';

const now = new Date('2025-06-10T12:00:00Z');

let telegram: FakeTelegram;
let apiRoot: string;

beforeAll(async () => {
  telegram = await startFakeTelegram();
  apiRoot = telegram.apiRoot;
});

afterAll(() => telegram.close());

beforeEach(() => {
  telegram.reset();
});

const live: Race = {
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
function stubApi(options: { fail?: boolean; liveRaces?: Race[] } = {}) {
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

const errors: string[] = [];
const quietLogger: Logger = { info: () => {}, warn: () => {}, error: (message) => errors.push(message) };

let nextUpdateId = 1;
function message(text: string, chat: { id: number; type: string } = { id: 1001, type: 'private' }): Update {
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

function makeBot(api: BotApi, options: Partial<CreateBotOptions> = {}): Bot {
  return createBot({
    token: TOKEN,
    apiRoot,
    api,
    now: () => now,
    logger: quietLogger,
    telegram: { rateLimit: null, retryBackoffMs: 1 },
    ...options,
  }).bot;
}

const sent = () => telegram.sent();

describe('bot commands against a fake Bot API', () => {
  it('/leaderboard week replies with the weekly top 10', async () => {
    const { api, queries } = stubApi();
    await makeBot(api).handleUpdate(message('/leaderboard week'));
    expect(queries).toEqual([{ path: 'leaderboard.top', input: { period: 'week', limit: 10 } }]);
    expect(sent()).toHaveLength(1);
    expect(sent()[0]?.chat_id).toBe('1001');
    expect(sent()[0]?.text).toBe('🏆 Top 1 · This week\n\n🥇 1. Alice — $1,500.00');
  });

  it('/leaderboard with a bad period answers with the usage and asks nothing of the API', async () => {
    const { api, queries } = stubApi();
    await makeBot(api).handleUpdate(message('/leaderboard yearly'));
    expect(queries).toEqual([]);
    expect(sent()[0]?.text).toContain('/leaderboard [today|week|month|all]');
  });

  it('/race shows the live race with the time left', async () => {
    const { api, queries } = stubApi();
    await makeBot(api).handleUpdate(message('/race'));
    // The sender's own place is asked for alongside (this sender has none: no "you" line).
    expect(queries.map((q) => q.path).sort()).toEqual(['races.list', 'races.standings', 'telegram.standing']);
    expect(sent()[0]?.text).toContain('🏁 June Wager Race\n⏳ 2d 3h left');
    expect(sent()[0]?.text).not.toContain('You:');
    expect(sent()[0]?.text).toContain('🥇 1. Alice — $800.00 · wins $5,000.00');
  });

  it('/race without a live race says so', async () => {
    const { api } = stubApi({ liveRaces: [] });
    await makeBot(api).handleUpdate(message('/race'));
    expect(sent()[0]?.text).toContain('No race is live right now');
  });

  it('answers politely when the API fails', async () => {
    const { api } = stubApi({ fail: true });
    errors.length = 0;
    const bot = makeBot(api);
    await bot.handleUpdate(message('/leaderboard'));
    await bot.handleUpdate(message('/race'));
    expect(sent().map((p) => p.text)).toEqual([
      "Sorry, I couldn't load the leaderboard right now. Please try again in a minute.",
      "Sorry, I couldn't load the race right now. Please try again in a minute.",
    ]);
    expect(errors).toHaveLength(2);
  });

  it('answers unknown commands and plain text in private chats', async () => {
    const bot = makeBot(stubApi().api);
    await bot.handleUpdate(message('/nope'));
    await bot.handleUpdate(message('hello'));
    await bot.handleUpdate(message('/start'));
    const texts = sent().map((p) => p.text);
    expect(texts[0]).toMatch(/^I don't know \/nope\./);
    expect(texts[1]).toContain('I only answer commands');
    expect(texts[2]).toMatch(/^Hi Pat! 👋/);
  });

  it('in groups, ignores commands for other bots and chatter, answers its own', async () => {
    const group = { id: -100, type: 'supergroup' };
    const bot = makeBot(stubApi().api);
    await bot.handleUpdate(message('/race@some_other_bot', group));
    await bot.handleUpdate(message('/nope', group));
    await bot.handleUpdate(message('hello everyone', group));
    expect(sent()).toEqual([]);
    await bot.handleUpdate(message('/help@Goated_Test_Bot', group));
    await bot.handleUpdate(message('/nope@goated_test_bot', group));
    expect(sent().map((p) => p.chat_id)).toEqual(['-100', '-100']);
    expect(telegram.calls.filter((c) => c.method === 'getMe')).toHaveLength(1);
  });
});

describe('/verify against guessing', () => {
  it('stops asking the server after too many attempts from one Telegram user', async () => {
    const { api, queries } = stubApi();
    const notFound = Object.assign(new Error('This link code does not exist'), { data: { code: 'NOT_FOUND' } });
    api.telegram.verify.mutate = async (input) => {
      queries.push({ path: 'telegram.verify', input });
      throw notFound;
    };
    const bot = makeBot(api, { verifyAttempts: { max: 2, windowMs: 60_000 } });
    for (const code of ['AAAAAAAA', 'BBBBBBBB', 'CCCCCCCC']) await bot.handleUpdate(message(`/verify ${code}`));
    expect(queries.map((q) => q.path)).toEqual(['telegram.verify', 'telegram.verify']);
    expect(sent().map((p) => p.text)).toEqual([
      "I don't know that code. Check it, or create a new one on the dashboard.",
      "I don't know that code. Check it, or create a new one on the dashboard.",
      'Too many attempts. Please wait a few minutes before trying another code.',
    ]);
  });
});

describe('commands per Telegram user', () => {
  function from(id: number, text: string): Update {
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

  it('tells one person over the rate once to slow down, drops the rest, and serves everyone else', async () => {
    const { api, queries } = stubApi();
    const bot = makeBot(api, { commandRate: { max: 3, windowMs: 60_000 } });
    for (let i = 0; i < 6; i++) await bot.handleUpdate(from(41, '/leaderboard'));
    await bot.handleUpdate(from(42, '/leaderboard'));
    expect(queries.filter((q) => q.path === 'leaderboard.top')).toHaveLength(4);
    const to41 = sent()
      .filter((p) => p.chat_id === '41')
      .map((p) => p.text);
    expect(to41).toHaveLength(4);
    expect(to41[3]).toBe("You're sending commands faster than I can answer. Please wait a minute and try again.");
    expect(sent().filter((p) => p.chat_id === '42')).toHaveLength(1);
  });
});

describe('updates delivered twice', () => {
  it('answers an update id only once', async () => {
    const bot = makeBot(stubApi().api);
    const update = message('/help');
    await bot.handleUpdate(update);
    await bot.handleUpdate(update);
    expect(sent()).toHaveLength(1);
  });
});

describe('webhook server', () => {
  let server: Server;
  let url: string;
  const warnings: string[] = [];

  beforeAll(async () => {
    const logger: Logger = { ...quietLogger, warn: (m) => warnings.push(m) };
    server = createWebhookServer(makeBot(stubApi().api), { secretToken: 'webhook_secret', path: '/tg', logger });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tg`;
  });
  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  const post = (secret: string | null, body = message('/help')) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(secret === null ? {} : { 'x-telegram-bot-api-secret-token': secret }),
      },
      body: JSON.stringify(body),
    });

  it('refuses a wrong or missing secret with 401 and handles nothing', async () => {
    expect((await post('wrong')).status).toBe(401);
    expect((await post('webhook_secre')).status).toBe(401);
    expect((await post(null)).status).toBe(401);
    expect(sent()).toEqual([]);
    expect(warnings).toEqual([
      'Webhook call with a wrong secret token refused',
      'Webhook call with a wrong secret token refused',
      'Webhook call with a missing secret token refused',
    ]);
  });

  it('handles an update with the right secret', async () => {
    const res = await post('webhook_secret');
    expect(res.status).toBe(200);
    expect(sent()[0]?.text).toContain('Here is what I can do');
  });

  it('answers other paths and methods without touching the bot', async () => {
    expect((await fetch(url.replace('/tg', '/other'), { method: 'POST' })).status).toBe(404);
    expect((await fetch(url)).status).toBe(405);
    expect(sent()).toEqual([]);
  });

  it('compares secrets of any length without throwing', () => {
    expect(secretMatches('a', 'a'.repeat(200))).toBe(false);
    expect(secretMatches(['x', 'y'], 'x')).toBe(false);
    expect(secretMatches('same', 'same')).toBe(true);
  });
});

describe('sending notifications', () => {
  const logged: string[] = [];
  const logger: Logger = {
    info: () => {},
    warn: (m) => logged.push(`warn: ${m}`),
    error: (m) => logged.push(`error: ${m}`),
  };
  beforeEach(() => {
    logged.length = 0;
  });

  it('retries 429 (after retry_after) and 5xx through the library, then delivers', async () => {
    const { delivery } = createBot({
      token: TOKEN,
      apiRoot,
      api: stubApi().api,
      logger,
      telegram: { rateLimit: null, retryBackoffMs: 1, maxRetries: 3 },
    });
    telegram.failNext('sendMessage', tooManyRequests(0), serverError, serverError);
    await expect(delivery.send(77, 'hello', 'test')).resolves.toBe(true);
    expect(telegram.textsTo(77)).toEqual(['hello']);
    expect(logged).toEqual([]);
  });

  it('tries again later when the library gives up on a transient failure', async () => {
    const { delivery } = createBot({
      token: TOKEN,
      apiRoot,
      api: stubApi().api,
      logger,
      telegram: { rateLimit: null, retryBackoffMs: 1, maxRetries: 0 },
      delivery: { retryDelaysMs: [20, 20] },
    });
    telegram.failNext('sendMessage', serverError, serverError);
    await expect(delivery.send(78, 'later', 'test')).resolves.toBe(true);
    expect(telegram.textsTo(78)).toEqual(['later']);
    expect(logged.filter((l) => l.startsWith('warn: Sending test to chat 78 failed'))).toHaveLength(2);
    expect(delivery.stats()).toEqual({ delivered: 1, failed: 0, waiting: 0 });
  });

  it('logs a message that cannot be delivered instead of dropping it silently', async () => {
    const delivery = createDelivery(makeBot(stubApi().api).api, { logger, retryDelaysMs: [10] });
    telegram.blockChat(79);
    await expect(delivery.send(79, 'nope', 'race 1 result')).resolves.toBe(false);
    expect(logged).toEqual([
      'error: Notification not delivered (race 1 result) to chat 79: Telegram answered 403: Forbidden: bot was blocked by the user',
    ]);
    telegram.failNext('sendMessage', serverError, serverError);
    const bot = makeBot(stubApi().api, { telegram: { rateLimit: null, maxRetries: 0 } });
    const patient = createDelivery(bot.api, { logger, retryDelaysMs: [10] });
    await expect(patient.send(80, 'twice unlucky', 'broadcast')).resolves.toBe(false);
    expect(patient.stats()).toEqual({ delivered: 0, failed: 1, waiting: 0 });
  });

  it('gives up waiting retries on stop, logging each', async () => {
    const bot = makeBot(stubApi().api, { telegram: { rateLimit: null, maxRetries: 0 } });
    const delivery = createDelivery(bot.api, { logger, retryDelaysMs: [60_000] });
    telegram.failNext('sendMessage', serverError);
    const pending = delivery.send(81, 'slow', 'broadcast');
    await telegram.waitFor(() => delivery.stats().waiting === 1);
    delivery.stop();
    await expect(pending).resolves.toBe(false);
    expect(logged.at(-1)).toContain('Notification not delivered (broadcast) to chat 81');
  });

  it('logs the sends still queued in the throttle when stopped', async () => {
    const { delivery } = createBot({
      token: TOKEN,
      apiRoot,
      api: stubApi().api,
      logger,
      telegram: { rateLimit: { perChat: 0.1 } },
    });
    const first = delivery.send(83, 'now', 'broadcast');
    const second = delivery.send(83, 'in ten seconds', 'broadcast');
    await expect(first).resolves.toBe(true);
    delivery.stop();
    await expect(second).resolves.toBe(false);
    expect(logged).toEqual([
      'error: Notification not delivered (broadcast) to chat 83: the bot stopped before it was sent',
    ]);
  });

  it("keeps to the throttle's per-chat rate", async () => {
    const { delivery } = createBot({
      token: TOKEN,
      apiRoot,
      api: stubApi().api,
      logger,
      telegram: { rateLimit: { perChat: 2 } },
    });
    const started = Date.now();
    await Promise.all([1, 2, 3].map((n) => delivery.send(82, `n${n}`, 'test')));
    // A burst of two, then one every 500 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(telegram.textsTo(82)).toHaveLength(3);
  });
});
