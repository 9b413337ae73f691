/**
 * The real bot against a real server (apps/server's test harness: Fastify, the router, a fresh
 * database) and a fake Telegram Bot API. The bot uses only its typed client with a bot-scoped
 * key; the test itself reaches into the database to arrange what the dashboard and the sync
 * would (players, races, an expired code).
 */
import { createClient } from '@goated/api/client';
import { schema } from '@goated/db';
import { testBackends } from '@goated/db/testing';
import { eq } from 'drizzle-orm';
import type { Update } from 'node-telegram-bot-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, TEST_ADMIN, type TestServer } from '../../server/test/harness';
import { createBot, type GoatedBot } from '../src/bot';
import type { Logger } from '../src/log';
import { type Notifications, startNotifications } from '../src/notifications';
import { type FakeTelegram, startFakeTelegram, TOKEN } from './fake-telegram';

const PASSWORD = 'correct horse battery';
const DAY_MS = 86_400_000;
const today = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);
const todayString = today.toISOString().slice(0, 10);

/** Telegram users (a private chat's id is the user's id). */
const ALICE = { id: 1001, username: 'alice_tg', first_name: 'Alice' };
const BOB = { id: 1002, username: 'bob_tg', first_name: 'Bob' };
/** Sam links Carol's account (in the reused-code test). */
const SAM = { id: 1099, first_name: 'Sam' };
const ADMIN = { id: 9000, username: 'boss_tg', first_name: 'Boss' };

type Sender = { id: number; first_name: string; username?: string };

let nextUpdateId = 1;
function message(from: Sender, text: string, chat: { id: number; type: string } = { id: from.id, type: 'private' }) {
  const update: Update = {
    update_id: nextUpdateId++,
    message: {
      message_id: nextUpdateId,
      date: Math.floor(Date.now() / 1000),
      chat,
      from: { ...from, is_bot: false },
      text,
    },
  };
  return update;
}

const group = { id: -500, type: 'supergroup' };

/** Starting a server on a fresh database takes seconds, and much longer on a busy machine. */
const SETUP_TIMEOUT_MS = 180_000;

describe.each(testBackends())('the bot with a real server on %s', (kind) => {
  let telegram: FakeTelegram;
  let t: TestServer;
  let botClient: ReturnType<typeof createClient>;
  let goated: GoatedBot;
  let notifications: Notifications;
  const accounts = new Map<'alice' | 'bob' | 'carol', { id: string; client: ReturnType<typeof createClient> }>();
  const account = (name: 'alice' | 'bob' | 'carol') => {
    const found = accounts.get(name);
    if (!found) throw new Error(`no account ${name}`);
    return found;
  };
  let adminClient: ReturnType<typeof createClient>;
  const logs: string[] = [];
  /** Subscriptions the server has confirmed ("Listening to …" in the log). */
  const listening = new Set<string>();
  const logger: Logger = {
    info: (m) => {
      logs.push(`info: ${m}`);
      const name = /^Listening to (.+)\.$/.exec(m)?.[1];
      if (name) listening.add(name);
    },
    warn: (m) => logs.push(`warn: ${m}`),
    error: (m) => logs.push(`error: ${m}`),
  };

  /** Sends one update from `from` and returns the texts the bot replied to that chat. */
  async function say(from: Sender, text: string, chat?: { id: number; type: string }): Promise<string[]> {
    const chatId = chat?.id ?? from.id;
    const before = telegram.textsTo(chatId).length;
    await goated.bot.handleUpdate(message(from, text, chat));
    return telegram.textsTo(chatId).slice(before);
  }

  async function linkCodeFor(who: 'alice' | 'bob' | 'carol' | 'admin'): Promise<string> {
    const client = who === 'admin' ? adminClient : account(who).client;
    return (await client.api.telegram.createLinkCode.mutate()).code;
  }

  beforeAll(async () => {
    telegram = await startFakeTelegram();
    t = await startTestServer(kind);
    const db = t.db.db;
    const { token: adminToken } = await t.client.api.auth.signIn.mutate({ ...TEST_ADMIN, mode: 'token' });
    adminClient = createClient({ url: t.url, token: adminToken ?? '' });
    const { key } = await adminClient.api.admin.apiKeys.create.mutate({ name: 'telegram bot', scopes: ['bot'] });
    botClient = createClient({ url: t.url, token: key });

    await db.insert(schema.players).values(
      [
        { uid: 'p-ann', name: 'Ann', today: '10.00', week: '100.00', month: '500.00', all: '900.00' },
        { uid: 'p-ben', name: 'Ben', today: '30.00', week: '300.00', month: '800.00', all: '800.00' },
        { uid: 'p-cat', name: 'Cat', today: '20.00', week: '50.00', month: '50.00', all: '50.00' },
      ].map((p) => ({
        uid: p.uid,
        name: p.name,
        wagerToday: p.today,
        wagerWeek: p.week,
        wagerMonth: p.month,
        wagerAllTime: p.all,
        upstreamUpdatedAt: new Date(),
      })),
    );
    for (const [name, playerUid] of [
      ['alice', 'p-ann'],
      ['bob', 'p-ben'],
      ['carol', 'p-cat'],
    ] as const) {
      const { user, token } = await t.client.api.auth.signUp.mutate({
        username: name,
        password: PASSWORD,
        mode: 'token',
      });
      await db.update(schema.users).set({ playerUid }).where(eq(schema.users.id, user.id));
      accounts.set(name, { id: user.id, client: createClient({ url: t.url, token: token ?? '' }) });
    }

    goated = createBot({
      token: TOKEN,
      apiRoot: telegram.apiRoot,
      api: botClient.api,
      logger,
      telegram: { rateLimit: null, retryBackoffMs: 1 },
      delivery: { retryDelaysMs: [20] },
      // The throttle on guessing codes is tested in bot.test.ts.
      verifyAttempts: { max: 100, windowMs: 60_000 },
    });
    notifications = startNotifications({
      api: botClient.api,
      delivery: goated.delivery,
      logger,
      positionThreshold: 2,
      positionIntervalMs: 0,
      heartbeatMs: 0,
      resubscribeMs: 50,
    });
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    notifications?.stop();
    goated?.delivery.stop();
    for (const client of [botClient, adminClient, ...[...accounts.values()].map((a) => a.client)])
      await client?.close();
    await t?.close();
    await telegram?.close();
  });

  beforeEach(() => {
    logs.length = 0;
  });

  describe('/start, /help and unknown commands', () => {
    it('greets with the list of commands', async () => {
      const [reply] = await say(SAM, '/start');
      expect(reply).toMatch(/^Hi Sam! 👋 I post the GoatedVIPs wager leaderboards/);
      for (const command of ['/stats', '/leaderboard', '/race', '/verify', '/reset', '/help', '/broadcast', '/user']) {
        expect(reply).toContain(command);
      }
      expect(await say(SAM, '/help')).toEqual([expect.stringMatching(/^Here is what I can do:\n\n\/stats — /)]);
    });

    it('answers an unknown command with help, and plain text with a hint', async () => {
      expect(await say(SAM, '/frobnicate')).toEqual([expect.stringMatching(/^I don't know \/frobnicate\. Here/)]);
      expect(await say(SAM, 'hi there')).toEqual([
        'I only answer commands. Try /leaderboard or /race, or /help for the full list.',
      ]);
    });
  });

  describe('/verify', () => {
    it('links the Telegram account to the user who made the code', async () => {
      const code = await linkCodeFor('alice');
      expect(await say(ALICE, `/verify ${code}`)).toEqual([
        '✅ Linked! This Telegram account is now connected to alice.\n\nTry /stats for your wagers and ranks.',
      ]);
      expect(await account('alice').client.api.auth.me.query()).toMatchObject({
        telegram: { linked: true, username: 'alice_tg' },
      });
    });

    it('refuses a code that was already used', async () => {
      const code = await linkCodeFor('carol');
      await say(SAM, `/verify ${code}`);
      expect(await say(BOB, `/verify ${code}`)).toEqual([
        'That code was already used. Create a new one on the dashboard if you want to link again.',
      ]);
      // The same person sending it again is told they are linked already.
      expect(await say(SAM, `/verify ${code}`)).toEqual([
        "That code was already used, and this Telegram account is linked to carol: you're all set. Try /stats.",
      ]);
    });

    it('refuses a wrong code, and says what a code looks like', async () => {
      expect(await say(BOB, '/verify ZZZZ2222')).toEqual([
        "I don't know that code. Check it, or create a new one on the dashboard.",
      ]);
      expect(await say(BOB, '/verify hello')).toEqual([
        "That doesn't look like a link code: it has 8 letters and digits, like /verify AB3D5FGH.",
      ]);
    });

    it('refuses an expired code', async () => {
      const code = await linkCodeFor('bob');
      await t.db.db
        .update(schema.telegramLinkCodes)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(schema.telegramLinkCodes.code, code));
      expect(await say(BOB, `/verify ${code}`)).toEqual([
        'That code has expired (codes last 10 minutes, and only the newest one works). Create a new one on the dashboard.',
      ]);
      expect(await botClient.api.telegram.userByTelegramId.query({ telegramId: BOB.id })).toBeNull();
    });

    it('explains its usage, and keeps codes out of group chats', async () => {
      expect(await say(BOB, '/verify')).toEqual([
        'Usage: /verify CODE\nCreate the code on the dashboard (Profile → Telegram), then send it here within 10 minutes.',
      ]);
      expect(await say(BOB, '/verify ABCDEFGH', group)).toEqual([
        'Please send /verify to me in a private chat, so nobody else sees your code.',
      ]);
    });

    it('links from the dashboard deep link t.me/<bot>?start=CODE', async () => {
      const code = await linkCodeFor('bob');
      expect(await say(BOB, `/start ${code}`)).toEqual([
        '✅ Linked! This Telegram account is now connected to bob.\n\nTry /stats for your wagers and ranks.',
      ]);
    });

    it('links the admin for the admin commands below', async () => {
      const code = await linkCodeFor('admin');
      expect(await say(ADMIN, `/verify ${code}`)).toEqual([
        '✅ Linked! This Telegram account is now connected to admin.\n\nTry /stats for your wagers and ranks.',
      ]);
    });
  });

  describe('/stats', () => {
    it("shows the linked player's wagers and ranks in every period", async () => {
      expect(await say(ALICE, '/stats')).toEqual([
        [
          '📊 alice · player Ann',
          '',
          'Today: $10.00 · rank #3',
          'This week: $100.00 · rank #2',
          'This month: $500.00 · rank #2',
          'All time: $900.00 · rank #1',
        ].join('\n'),
      ]);
    });

    it('says how old the figures are when the casino feed has been failing past the threshold', async () => {
      const [run] = await t.db.db
        .insert(schema.syncRuns)
        .values({
          trigger: 'schedule',
          source: 'test',
          status: 'succeeded',
          startedAt: new Date(Date.now() - 7_500_000),
          finishedAt: new Date(Date.now() - 7_500_000),
        })
        .returning({ id: schema.syncRuns.id });
      try {
        const [reply] = await say(ALICE, '/stats');
        expect(reply).toMatch(/^📊 alice · player Ann\n/);
        expect(reply).toMatch(
          /\n\n⚠️ These figures are from 2 h 5 min ago: the casino's feed is not answering, so they may be behind\.$/,
        );
      } finally {
        await t.db.db.delete(schema.syncRuns).where(eq(schema.syncRuns.id, run?.id ?? -1));
      }
    });

    it('asks an unlinked user to link first, and a linked one without a player says so', async () => {
      expect(await say({ id: 5555, first_name: 'Nobody' }, '/stats')).toEqual([
        "Your Telegram account isn't linked yet. Create a code on the dashboard (Profile → Telegram) and send /verify CODE here.",
      ]);
      expect(await say(ADMIN, '/stats')).toEqual([
        'Your account admin is linked, but no casino player is attached to it yet, so there are no wagers to show.',
      ]);
      expect(await say(ALICE, '/stats everything')).toEqual([
        '/stats takes no arguments: it shows your own wagers and ranks.',
      ]);
    });
  });

  describe('/leaderboard and /race', () => {
    it('shows the top of a period from the server', async () => {
      expect(await say(SAM, '/leaderboard week')).toEqual([
        '🏆 Top 3 · This week\n\n🥇 1. Ben — $300.00\n🥈 2. Ann — $100.00\n🥉 3. Cat — $50.00',
      ]);
      expect(await say(SAM, '/leaderboard yearly')).toEqual([
        'I don\'t know the period "yearly".\nUsage: /leaderboard [today|week|month|all], e.g. /leaderboard week',
      ]);
    });

    it('says when no race is live, then shows the live one', async () => {
      expect(await say(SAM, '/race')).toEqual([
        'No race is live right now, and none is scheduled yet. Check back soon!',
      ]);
      await t.db.db.insert(schema.races).values({
        name: 'Live Sprint',
        startsAt: new Date(today.getTime() - DAY_MS),
        endsAt: new Date(today.getTime() + 3 * DAY_MS),
        prizePool: '150.00',
        prizeSplit: ['100.00', '50.00'],
        status: 'live',
      });
      await t.db.db.insert(schema.playerWagerDays).values(
        [
          ['p-ann', '10.00'],
          ['p-ben', '30.00'],
          ['p-cat', '20.00'],
        ].map(([playerUid = '', wagered = '']) => ({
          playerUid,
          day: todayString,
          wagered,
          upstreamUpdatedAt: new Date(),
        })),
      );
      const [reply] = await say(SAM, '/race');
      expect(reply).toMatch(/^🏁 Live Sprint\n⏳ \dd \d+h left\n💰 Prize pool \$150\.00\n\n/);
      expect(reply).toContain(
        '🥇 1. Ben — $30.00 · wins $100.00\n🥈 2. Cat — $20.00 · wins $50.00\n🥉 3. Ann — $10.00',
      );
      expect(await say(SAM, '/race now')).toEqual([
        '/race takes no arguments: it shows the race that is live right now.',
      ]);
    });
  });

  describe('/reset', () => {
    it('sends a working reset token in a private chat only', async () => {
      expect(await say(ALICE, '/reset', group)).toEqual([
        'For your safety, /reset works only in a private chat with me.',
      ]);
      const [reply = ''] = await say(ALICE, '/reset');
      expect(reply).toMatch(
        /^🔑 Your one-time password-reset token:\n\n\S{20,}\n\nUse it on the dashboard's "Reset password" page before \d{4}-\d\d-\d\d \d\d:\d\d UTC\. Never share it/,
      );
      const token = reply.split('\n')[2] ?? '';
      await expect(
        t.client.api.auth.resetPassword.mutate({ token, newPassword: 'a brand new secret' }),
      ).resolves.toEqual({ reset: true });
    });

    it('asks an unlinked user to link first', async () => {
      expect(await say({ id: 5556, first_name: 'Nobody' }, '/reset')).toEqual([
        "Your Telegram account isn't linked yet. Create a code on the dashboard (Profile → Telegram) and send /verify CODE here.",
      ]);
    });
  });

  describe('admin commands', () => {
    it('refuses /user and /broadcast to non-admins and unlinked users', async () => {
      for (const sender of [ALICE, SAM, { id: 5557, first_name: 'Unlinked' }]) {
        expect(await say(sender, '/user bob')).toEqual([
          'Only admins can use /user. If you are one, link your admin account with /verify first.',
        ]);
        expect(await say(sender, '/broadcast Free money!')).toEqual([
          'Only admins can use /broadcast. If you are one, link your admin account with /verify first.',
        ]);
      }
      for (const chatId of [ALICE.id, BOB.id, SAM.id]) {
        expect(telegram.textsTo(chatId).some((text) => text.includes('Free money'))).toBe(false);
      }
    });

    it('looks a user up for the linked admin', async () => {
      const [reply] = await say(ADMIN, '/user Alice');
      expect(reply).toMatch(
        /^👤 alice\nActive\nJoined \d{4}-\d\d-\d\d \d\d:\d\d UTC\nTelegram: linked \(@alice_tg\)\n\n/,
      );
      expect(reply).toContain('Player Ann (p-ann)\nToday: $10.00 · rank #3');
      expect(await say(ADMIN, '/user nobody_at_all')).toEqual(['No user is called "nobody_at_all".']);
      expect(await say(ADMIN, '/user')).toEqual(['Usage: /user NAME, e.g. /user LuckyGoat']);
      expect(await say(ADMIN, '/user alice', group)).toEqual(['Admin commands work only in a private chat with me.']);
    });

    it('broadcasts to every linked user and reports back, counting those who blocked the bot', async () => {
      telegram.blockChat(BOB.id);
      expect(await say(ADMIN, '/broadcast')).toEqual([
        'Usage: /broadcast TEXT\nSends TEXT to every user with a linked Telegram account.',
      ]);
      expect(await say(ADMIN, '/broadcast Race night at 8pm!\nBring friends.')).toEqual([
        "📣 Sending to 4 linked users… I'll tell you when it's done.",
      ]);
      await goated.idle();
      const announcement = '📣 Announcement\n\nRace night at 8pm!\nBring friends.';
      expect(telegram.textsTo(ALICE.id).at(-1)).toBe(announcement);
      expect(telegram.textsTo(SAM.id).at(-1)).toBe(announcement);
      expect(telegram.textsTo(ADMIN.id).slice(-2)).toEqual([
        announcement,
        '📣 Broadcast done: delivered to 3 of 4. 1 could not be reached (they may have blocked me).',
      ]);
      expect(logs).toContain(
        `error: Notification not delivered (broadcast) to chat ${BOB.id}: Telegram answered 403: Forbidden: bot was blocked by the user`,
      );
      const audit = await adminClient.api.admin.audit.list.query({ action: 'telegram.broadcast' });
      expect(audit.entries[0]).toMatchObject({ actorUsername: 'admin', details: { recipients: 4 } });
    });

    it('refuses a broadcast that is too long, with the reason', async () => {
      expect(await say(ADMIN, `/broadcast ${'x'.repeat(3501)}`)).toEqual([
        "I can't broadcast that: Text must be at most 3500 characters.",
      ]);
    });
  });

  describe('notifications', () => {
    beforeAll(async () => {
      // The subscriptions opened when the bot started; wait until the server confirmed them.
      await telegram.waitFor(() => listening.has('finished races') && listening.has('user notifications'));
    });

    it('tells each linked winner their result when a race is finalized', async () => {
      // The race finalization procedure (issue 5) is not on this branch: the test publishes the
      // event it will publish, on the server's own bus.
      await t.server.deps.bus.publish('race.finished', {
        prizePool: '100.00',
        unawarded: '0.00',
        raceId: 41,
        name: 'Weekly Sprint',
        at: new Date().toISOString(),
        winners: [
          { rank: 1, uid: 'p-ben', name: 'Ben', wagered: '30.00', prize: '100.00' },
          { rank: 2, uid: 'p-cat', name: 'Cat', wagered: '20.00', prize: '50.00' },
          { rank: 3, uid: 'p-ann', name: 'Ann', wagered: '10.00', prize: '25.00' },
        ],
      });
      await telegram.waitFor(() => telegram.textsTo(ALICE.id).some((text) => text.includes('Weekly Sprint')));
      expect(telegram.textsTo(ALICE.id).at(-1)).toBe(
        '🏁 Weekly Sprint is over: you finished #3 🥉\n\nYou won $25.00! You wagered $10.00 as Ann.',
      );
      // Bob blocked the bot in the broadcast test; his result is logged as undelivered, not lost silently.
      await telegram.waitFor(() => logs.some((l) => l.includes('(race 41 result) to chat 1002')));
      // Carol (p-cat) won too; her account is linked to Sam's Telegram.
      expect(telegram.textsTo(SAM.id).at(-1)).toBe(
        '🏁 Weekly Sprint is over: you finished #2 🥈\n\nYou won $50.00! You wagered $20.00 as Cat.',
      );
      expect(logs).toContain('info: Weekly Sprint finished: telling 3 linked of 3 winners.');
    });

    it('announces a race once even if the event comes twice', async () => {
      const before = telegram.textsTo(ALICE.id).length;
      await t.server.deps.bus.publish('race.finished', {
        prizePool: '100.00',
        unawarded: '0.00',
        raceId: 41,
        name: 'Weekly Sprint',
        at: new Date().toISOString(),
        winners: [{ rank: 3, uid: 'p-ann', name: 'Ann', wagered: '10.00', prize: '25.00' }],
      });
      await t.server.deps.bus.publish('user.notification', {
        userId: account('alice').id,
        kind: 'bonus.claimed',
        title: 'Bonus claimed',
        body: 'Your code WELCOME is yours.',
        at: new Date().toISOString(),
      });
      // The notification after it has arrived, so the duplicate had its chance.
      await telegram.waitFor(() => telegram.textsTo(ALICE.id).length > before);
      expect(telegram.textsTo(ALICE.id).slice(before)).toEqual(['🔔 Bonus claimed\n\nYour code WELCOME is yours.']);
    });

    it('tells a linked user whose rank in a live race moved by the threshold', async () => {
      telegram.reset();
      await notifications.checkPositions();
      expect(telegram.sent()).toEqual([]);
      // Ann jumps from #3 to #1 (two places: told); Ben slips from #1 to #2 (one place: not).
      await t.db.db
        .update(schema.playerWagerDays)
        .set({ wagered: '110.00' })
        .where(eq(schema.playerWagerDays.playerUid, 'p-ann'));
      await notifications.checkPositions();
      await telegram.waitFor(() => telegram.sent().length > 0);
      expect(telegram.sent().map((p) => [p.chat_id, p.text])).toEqual([
        [
          String(ALICE.id),
          expect.stringMatching(
            /^⬆️ You moved up from #3 to #1 in Live Sprint\. \dd \d+h left — \/race for the standings\.$/,
          ),
        ],
      ]);
      await notifications.checkPositions();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(telegram.sent()).toHaveLength(1);
    });

    it('shows the server that the bot is connected', async () => {
      await t.db.db
        .update(schema.apiKeys)
        .set({ lastUsedAt: new Date(Date.now() - 10 * 60_000) })
        .where(eq(schema.apiKeys.name, 'telegram bot'));
      expect((await t.client.api.health.status.query()).bot.connected).toBe(false);
      expect(await notifications.heartbeat()).toBe(true);
      const health = await t.client.api.health.status.query();
      expect(health.bot.connected).toBe(true);
      expect(health.bot.lastSeenAt).toBeInstanceOf(Date);
    });
  });
});
