/**
 * The real bot against a real server (apps/server's test harness: Fastify, the router, a fresh
 * database) and a fake Telegram Bot API. The bot uses only its typed client with a bot-scoped
 * key; the test itself reaches into the database to arrange what the dashboard and the sync
 * would (players, races, an expired code).
 */
import { createClient } from '@goated/client';
import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import type { TestServer } from '@goated/testing/server';
import type { FakeTelegram } from '@goated/testing/telegram';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GoatedBot } from '../src/bot';
import type { Notifications } from '../src/notifications';
import {
  type BotWorld,
  type Chat,
  type Client,
  SETUP_TIMEOUT_MS,
  type Sender,
  startBotWorld,
} from './support/bot-world';

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

const group = { id: -500, type: 'supergroup' };

describe.each(testBackends())('the bot with a real server on %s', (kind) => {
  let world: BotWorld;
  let telegram: FakeTelegram;
  let t: TestServer;
  let botClient: Client;
  let goated: GoatedBot;
  let notifications: Notifications;
  let adminClient: Client;
  let logs: string[];
  let listening: Set<string>;
  const accounts = new Map<'alice' | 'bob' | 'carol', { id: string; client: Client }>();
  const account = (name: 'alice' | 'bob' | 'carol') => {
    const found = accounts.get(name);
    if (!found) throw new Error(`no account ${name}`);
    return found;
  };
  const say = (from: Sender, text: string, chat?: Chat) => world.say(from, text, chat);

  async function linkCodeFor(who: 'alice' | 'bob' | 'carol' | 'admin'): Promise<string> {
    const client = who === 'admin' ? adminClient : account(who).client;
    return (await client.api.telegram.createLinkCode.mutate()).code;
  }

  /** The bot's answer to a good code, with the confirmation code it carries. */
  function linkedReply(replies: string[], username: string): string {
    expect(replies).toHaveLength(1);
    const reply = replies[0] ?? '';
    expect(reply).toMatch(
      new RegExp(
        `^✅ Linked! This Telegram account is now connected to ${username}\\.\\n\\nTo confirm it's you, enter this code on the dashboard \\(Profile → Telegram\\): [A-Z0-9]{6}\\nUntil then, /reset will not work here\\.\\n\\nTry /stats for your wagers and ranks\\.$`,
      ),
    );
    return /: ([A-Z0-9]{6})\n/.exec(reply)?.[1] ?? '';
  }

  /** What the person does on the dashboard with that code. */
  async function confirmOnDashboard(who: 'alice' | 'bob' | 'carol' | 'admin', code: string) {
    const client = who === 'admin' ? adminClient : account(who).client;
    await client.api.telegram.confirmLink.mutate({ code });
  }

  beforeAll(async () => {
    // Position notices from two places' move; the watch refreshes 50 ms after a change.
    world = await startBotWorld(kind, { NOTIFY_POSITION_THRESHOLD: '2', LEADERBOARD_PUSH_INTERVAL_MS: '50' });
    ({ telegram, t, botClient, goated, notifications, adminClient, logs, listening } = world);
    const db = t.db.db;
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
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    for (const { client } of accounts.values()) await client.close();
    await world?.close();
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
      const confirmation = linkedReply(await say(ALICE, `/verify ${code}`), 'alice');
      expect(await account('alice').client.api.auth.me.query()).toMatchObject({
        telegram: { linked: true, username: 'alice_tg', confirmed: false },
      });
      await confirmOnDashboard('alice', confirmation);
      expect(await account('alice').client.api.auth.me.query()).toMatchObject({
        telegram: { linked: true, confirmed: true },
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
      await confirmOnDashboard('bob', linkedReply(await say(BOB, `/start ${code}`), 'bob'));
    });

    it('links the admin for the admin commands below', async () => {
      const code = await linkCodeFor('admin');
      const confirmation = linkedReply(await say(ADMIN, `/verify ${code}`), 'admin');
      // Unconfirmed, the link carries no admin powers.
      expect(await say(ADMIN, '/user alice')).toEqual([
        'Only admins can use /user. If you are one, link your admin account with /verify first.',
      ]);
      await confirmOnDashboard('admin', confirmation);
    });
  });

  describe('/stats', () => {
    it("shows the linked player's wagers and ranks in every period", async () => {
      expect(await say(ALICE, '/stats')).toEqual([
        [
          '📊 alice · player Ann',
          '💎 Copper VIP · $9,100.00 to Bronze',
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
        'Your account admin is linked, but no casino player is attached to it yet, so there are no wagers to show.\n\nSend /claim followed by your casino username (e.g. /claim LuckyGoat) to link your casino player; an admin confirms it.',
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
      // Sam's Telegram is linked to Carol's account, whose player is Cat: their own place.
      expect(reply).toMatch(
        /\n\n👤 You: #2 · \$20\.00 wagered · pays \$50\.00\n {3}\$10\.01 more reaches #1 \(\$100\.00\)$/,
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
      await expect(t.client.api.auth.resetPassword.mutate({ token, password: 'a brand new secret' })).resolves.toEqual({
        reset: true,
      });
      // The account hears of the reset here too (and of the request on the dashboard).
      await vi.waitFor(
        () => expect(telegram.textsTo(ALICE.id).some((text) => text.includes('Password changed'))).toBe(true),
        { timeout: 10_000 },
      );
    });

    it('gives no token to a link made with a leaked code until it is confirmed on the dashboard', async () => {
      // Sam linked his own Telegram with carol's code (above): he holds the link, not the account.
      expect(await botClient.api.telegram.userByTelegramId.query({ telegramId: SAM.id })).toMatchObject({
        username: 'carol',
      });
      expect(await say(SAM, '/reset')).toEqual([
        'First confirm this link on the dashboard (Profile → Telegram) with the code I sent when you linked. If you no longer have it, send a new link code with /verify.',
      ]);
      const tokens = await t.db.db
        .select()
        .from(schema.passwordResetTokens)
        .where(eq(schema.passwordResetTokens.userId, account('carol').id));
      expect(tokens).toEqual([]);
    });

    it('gives no token to an admin', async () => {
      expect(await say(ADMIN, '/reset')).toEqual([
        'Admins cannot reset their password through Telegram; another admin can issue a reset token.',
      ]);
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
      await telegram.waitFor(() => listening.has('user notifications') && listening.has('player claims'));
    });

    function record(uid: string, name: string, today: number) {
      const amount = today.toFixed(2);
      return { uid, name, wagered: { today: amount, this_week: amount, this_month: amount, all_time: amount } };
    }

    it('tells a linked user whose rank in a live race moved by the threshold after an ingest, as they chose', async () => {
      // Live Sprint (from the /race test): Ben 30, Cat 20, Ann 10. The server places them first.
      await t.server.deps.bus.publish('race.changed', { raceId: 0, status: 'live', at: new Date().toISOString() });
      await expect
        .poll(async () => (await t.db.db.select().from(schema.racePositions)).length, { timeout: 10_000 })
        .toBeGreaterThanOrEqual(3);
      const { key } = await adminClient.api.admin.apiKeys.create.mutate({ name: 'ingest', scopes: ['ingest'] });
      const ingest = createClient({ url: t.url, token: key });
      try {
        // Carol keeps race-position notices off Telegram (on the dashboard only).
        await account('carol').client.api.notifications.setPreferences.mutate({
          preferences: [{ kind: 'racePosition', telegram: false }],
        });
        const samBefore = telegram.textsTo(SAM.id).length;

        // Ann jumps from #3 to #1 (two places: told); Ben and Cat slip one place (not).
        await ingest.api.sync.ingest.mutate({ records: [record('p-ann', 'Ann', 110)] });
        await telegram.waitFor(() => telegram.textsTo(ALICE.id).some((text) => text.includes('in Live Sprint')));
        expect(telegram.textsTo(ALICE.id).at(-1)).toMatch(
          /^📈 You moved up to #1 in Live Sprint\n\nFrom #3 to #1\. #1 pays \$100\.00\. \dd \d+h left\.$/,
        );

        // Two newcomers push Cat from #2 (where Carol was last placed) to #5: she is told on the
        // dashboard, not on Telegram.
        await ingest.api.sync.ingest.mutate({
          records: [record('p-x1', 'Newcomer', 500), record('p-x2', 'Rookie', 400)],
        });
        await expect
          .poll(
            async () =>
              (await account('carol').client.api.notifications.list.query({})).notifications.find(
                (n) => n.type === 'race.position',
              )?.title,
            { timeout: 10_000 },
          )
          .toBe('You dropped to #5 in Live Sprint');
        // Anything sent to Sam after it arrives after it: the notice would have come first.
        await t.server.deps.bus.publish('user.notification', {
          userId: account('carol').id,
          kind: 'account',
          title: 'Marker',
          body: '',
          at: new Date().toISOString(),
        });
        await telegram.waitFor(() => telegram.textsTo(SAM.id).includes('🔐 Marker'));
        expect(telegram.textsTo(SAM.id).slice(samBefore)).toEqual(['🔐 Marker']);
      } finally {
        await ingest.close();
      }
    });

    it('tells each linked winner their result when a race is finalized', async () => {
      const [race] = await t.db.db
        .insert(schema.races)
        .values({
          name: 'Weekly Sprint',
          startsAt: new Date(today.getTime() - DAY_MS),
          endsAt: new Date(Date.now() - 1000),
          prizePool: '175.00',
          prizeSplit: ['100.00', '50.00', '25.00'],
          status: 'live',
        })
        .returning();
      // The scheduler finalizes it within a tick; an admin asking afterwards gets the same results.
      await expect
        .poll(async () => (await adminClient.api.races.get.query({ raceId: race?.id ?? 0 })).status, {
          timeout: 10_000,
        })
        .toBe('completed');
      const again = await adminClient.api.races.finalize.mutate({ raceId: race?.id ?? 0 });
      expect(again.finalizedNow).toBe(false);
      // Newcomer 500, Rookie 400 (no accounts), Ann 110 (#3, paid), Ben 30, Cat 20: Alice is told.
      await telegram.waitFor(() => telegram.textsTo(ALICE.id).some((text) => text.includes('Weekly Sprint')));
      expect(telegram.textsTo(ALICE.id).filter((text) => text.includes('Weekly Sprint'))).toEqual([
        '🏁 Weekly Sprint is over: you finished #3 🥉\n\nYou won $25.00! You wagered $110.00 as Ann.',
      ]);
      // Cat (Carol, on Sam's Telegram) finished outside the paid places: nothing to tell.
      expect(telegram.textsTo(SAM.id).some((text) => text.includes('Weekly Sprint'))).toBe(false);
    });

    /** The admin's view of health (the bot's connection is not for anonymous callers). */
    const adminHealth = async () => {
      const health = await adminClient.api.health.status.query();
      if (health.detail !== 'full') throw new Error('expected the admin view of health.status');
      return health;
    };

    it('shows the server that the bot is connected', async () => {
      await t.db.db
        .update(schema.apiKeys)
        .set({ lastUsedAt: new Date(Date.now() - 10 * 60_000) })
        .where(eq(schema.apiKeys.name, 'telegram bot'));
      expect((await adminHealth()).bot.connected).toBe(false);
      expect(await notifications.heartbeat()).toBe(true);
      const health = await adminHealth();
      expect(health.bot.connected).toBe(true);
      expect(health.bot.lastSeenAt).toBeInstanceOf(Date);
    });
  });
});
