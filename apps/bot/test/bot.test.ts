/**
 * The bot end to end against a fake Telegram Bot API (node:http answering
 * `POST /bot<token>/<method>`), with updates injected through `bot.handleUpdate` and
 * `webhookCallback`, and the server's procedures stubbed through the client's own types.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Bot, type Update, webhookCallback } from 'node-telegram-bot-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BotApi, createBot, type Logger } from '../src/bot';
import type { LeaderboardPage, Race, RaceStandings } from '../src/format';

const TOKEN = '123456:TEST-token';
const now = new Date('2025-06-10T12:00:00Z');

interface Call {
  method: string;
  params: Record<string, string>;
}

let server: Server;
let apiRoot: string;
let calls: Call[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const m = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      if (!m || m[1] !== TOKEN) {
        res.statusCode = 401;
        res.end(JSON.stringify({ ok: false, error_code: 401, description: 'Unauthorized' }));
        return;
      }
      const method = m[2] ?? '';
      const params = Object.fromEntries(new URLSearchParams(body));
      calls.push({ method, params });
      let result: unknown = true;
      if (method === 'getMe') result = { id: 42, is_bot: true, first_name: 'Goated', username: 'goated_test_bot' };
      if (method === 'sendMessage') {
        result = { message_id: calls.length, date: 0, chat: { id: Number(params.chat_id), type: 'private' } };
      }
      res.end(JSON.stringify({ ok: true, result }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.close();
  await once(server, 'close');
});

beforeEach(() => {
  calls = [];
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
};

/** Records each procedure call; `fail` makes every procedure throw like an unreachable server. */
function stubApi(options: { fail?: boolean; liveRaces?: Race[] } = {}) {
  const queries: { path: string; input: unknown }[] = [];
  const check = (path: string, input: unknown) => {
    queries.push({ path, input });
    if (options.fail) throw new Error('fetch failed');
  };
  const api: BotApi = {
    leaderboard: {
      top: {
        query: async (input): Promise<LeaderboardPage> => {
          check('leaderboard.top', input);
          return {
            period: input.period,
            entries: [{ rank: 1, uid: 'a', name: 'Alice', wagered: '1500.00' }],
            nextCursor: null,
            generatedAt: now,
          };
        },
      },
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
            standings: [{ rank: 1, uid: 'a', name: 'Alice', wagered: '800.00', prize: '5000.00' }],
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

function makeBot(api: BotApi): Bot {
  return createBot({ token: TOKEN, apiRoot, api, now: () => now, logger: quietLogger });
}

const sent = () => calls.filter((c) => c.method === 'sendMessage').map((c) => c.params);

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
    expect(queries.map((q) => q.path)).toEqual(['races.list', 'races.standings']);
    expect(sent()[0]?.text).toContain('🏁 June Wager Race\n⏳ 2d 3h left');
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
    expect(calls.filter((c) => c.method === 'getMe')).toHaveLength(1);
  });
});

describe('webhook', () => {
  it('rejects a wrong secret and handles an update with the right one', async () => {
    const bot = makeBot(stubApi().api);
    const handle = webhookCallback(bot, { secretToken: 'webhook_secret' });
    const post = (secret: string) =>
      handle(
        new Request('http://bot.local/', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
          body: JSON.stringify(message('/help')),
        }),
      );
    expect((await post('wrong')).status).toBe(401);
    expect(sent()).toEqual([]);
    expect((await post('webhook_secret')).status).toBe(200);
    expect(sent()[0]?.text).toContain('Here is what I can do');
  });
});
