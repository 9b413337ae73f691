/**
 * The bot's commands against a fake Telegram Bot API, with updates injected through
 * `bot.handleUpdate` and the server's procedures stubbed through the client's own types. The
 * account commands and notifications run against a real server in server.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { message, messageFrom, stubApi, useStubBot } from './support/stub-bot';

const stub = useStubBot();

describe('bot commands against a fake Bot API', () => {
  it('/leaderboard week replies with the weekly top 10', async () => {
    const { api, queries } = stubApi();
    await stub.makeBot(api).handleUpdate(message('/leaderboard week'));
    expect(queries).toEqual([{ path: 'leaderboard.top', input: { period: 'week', limit: 10 } }]);
    expect(stub.sent()).toHaveLength(1);
    expect(stub.sent()[0]?.chat_id).toBe('1001');
    expect(stub.sent()[0]?.text).toBe('🏆 Top 1 · This week\n\n🥇 1. Alice — $1,500.00');
  });

  it('/leaderboard with a bad period answers with the usage and asks nothing of the API', async () => {
    const { api, queries } = stubApi();
    await stub.makeBot(api).handleUpdate(message('/leaderboard yearly'));
    expect(queries).toEqual([]);
    expect(stub.sent()[0]?.text).toContain('/leaderboard [today|week|month|all]');
  });

  it('/race shows the live race with the time left', async () => {
    const { api, queries } = stubApi();
    await stub.makeBot(api).handleUpdate(message('/race'));
    // The sender's own place is asked for alongside (this sender has none: no "you" line).
    expect(queries.map((q) => q.path).sort()).toEqual(['races.list', 'races.standings', 'telegram.standing']);
    expect(stub.sent()[0]?.text).toContain('🏁 June Wager Race\n⏳ 2d 3h left');
    expect(stub.sent()[0]?.text).not.toContain('You:');
    expect(stub.sent()[0]?.text).toContain('🥇 1. Alice — $800.00 · wins $5,000.00');
  });

  it('/race without a live race says so', async () => {
    const { api } = stubApi({ liveRaces: [] });
    await stub.makeBot(api).handleUpdate(message('/race'));
    expect(stub.sent()[0]?.text).toContain('No race is live right now');
  });

  it('answers politely when the API fails', async () => {
    const { api } = stubApi({ fail: true });
    stub.errors.length = 0;
    const bot = stub.makeBot(api);
    await bot.handleUpdate(message('/leaderboard'));
    await bot.handleUpdate(message('/race'));
    expect(stub.sent().map((p) => p.text)).toEqual([
      "Sorry, I couldn't load the leaderboard right now. Please try again in a minute.",
      "Sorry, I couldn't load the race right now. Please try again in a minute.",
    ]);
    expect(stub.errors).toHaveLength(2);
  });

  it('answers unknown commands and plain text in private chats', async () => {
    const bot = stub.makeBot(stubApi().api);
    await bot.handleUpdate(message('/nope'));
    await bot.handleUpdate(message('hello'));
    await bot.handleUpdate(message('/start'));
    const texts = stub.sent().map((p) => p.text);
    expect(texts[0]).toMatch(/^I don't know \/nope\./);
    expect(texts[1]).toContain('I only answer commands');
    expect(texts[2]).toMatch(/^Hi Pat! 👋/);
  });

  it('in groups, ignores commands for other bots and chatter, answers its own', async () => {
    const group = { id: -100, type: 'supergroup' };
    const bot = stub.makeBot(stubApi().api);
    await bot.handleUpdate(message('/race@some_other_bot', group));
    await bot.handleUpdate(message('/nope', group));
    await bot.handleUpdate(message('hello everyone', group));
    expect(stub.sent()).toEqual([]);
    await bot.handleUpdate(message('/help@Goated_Test_Bot', group));
    await bot.handleUpdate(message('/nope@goated_test_bot', group));
    expect(stub.sent().map((p) => p.chat_id)).toEqual(['-100', '-100']);
    expect(stub.telegram.calls.filter((c) => c.method === 'getMe')).toHaveLength(1);
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
    const bot = stub.makeBot(api, { verifyAttempts: { max: 2, windowMs: 60_000 } });
    for (const code of ['AAAAAAAA', 'BBBBBBBB', 'CCCCCCCC']) await bot.handleUpdate(message(`/verify ${code}`));
    expect(queries.map((q) => q.path)).toEqual(['telegram.verify', 'telegram.verify']);
    expect(stub.sent().map((p) => p.text)).toEqual([
      "I don't know that code. Check it, or create a new one on the dashboard.",
      "I don't know that code. Check it, or create a new one on the dashboard.",
      'Too many attempts. Please wait a few minutes before trying another code.',
    ]);
  });
});

describe('commands per Telegram user', () => {
  it('tells one person over the rate once to slow down, drops the rest, and serves everyone else', async () => {
    const { api, queries } = stubApi();
    const bot = stub.makeBot(api, { commandRate: { max: 3, windowMs: 60_000 } });
    for (let i = 0; i < 6; i++) await bot.handleUpdate(messageFrom(41, '/leaderboard'));
    await bot.handleUpdate(messageFrom(42, '/leaderboard'));
    expect(queries.filter((q) => q.path === 'leaderboard.top')).toHaveLength(4);
    const to41 = stub
      .sent()
      .filter((p) => p.chat_id === '41')
      .map((p) => p.text);
    expect(to41).toHaveLength(4);
    expect(to41[3]).toBe("You're sending commands faster than I can answer. Please wait a minute and try again.");
    expect(stub.sent().filter((p) => p.chat_id === '42')).toHaveLength(1);
  });
});

describe('updates delivered twice', () => {
  it('answers an update id only once', async () => {
    const bot = stub.makeBot(stubApi().api);
    const update = message('/help');
    await bot.handleUpdate(update);
    await bot.handleUpdate(update);
    expect(stub.sent()).toHaveLength(1);
  });
});
