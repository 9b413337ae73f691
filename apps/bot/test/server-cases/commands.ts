/** /stats, /leaderboard, /race, /reset and the admin commands, for the accounts linked before. */
import { schema } from '@goated/db';
import { eq } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import {
  ADMIN,
  ALICE,
  BOB,
  DAY_MS,
  group,
  SAM,
  type ServerScenario,
  today,
  todayString,
} from '../support/server-scenario';

export function commandCases(s: ServerScenario): void {
  const { say, account } = s;

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
      const [run] = await s.t.db.db
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
        await s.t.db.db.delete(schema.syncRuns).where(eq(schema.syncRuns.id, run?.id ?? -1));
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
      await s.t.db.db.insert(schema.races).values({
        name: 'Live Sprint',
        startsAt: new Date(today.getTime() - DAY_MS),
        endsAt: new Date(today.getTime() + 3 * DAY_MS),
        prizePool: '150.00',
        prizeSplit: ['100.00', '50.00'],
        status: 'live',
      });
      await s.t.db.db.insert(schema.playerWagerDays).values(
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
      await expect(
        s.t.client.api.auth.resetPassword.mutate({ token, password: 'a brand new secret' }),
      ).resolves.toEqual({
        reset: true,
      });
      // The account hears of the reset here too (and of the request on the dashboard).
      await vi.waitFor(
        () => expect(s.telegram.textsTo(ALICE.id).some((text) => text.includes('Password changed'))).toBe(true),
        { timeout: 10_000 },
      );
    });

    it('gives no token to a link made with a leaked code until it is confirmed on the dashboard', async () => {
      // Sam linked his own Telegram with carol's code (above): he holds the link, not the account.
      expect(await s.botClient.api.telegram.userByTelegramId.query({ telegramId: SAM.id })).toMatchObject({
        username: 'carol',
      });
      expect(await say(SAM, '/reset')).toEqual([
        'First confirm this link on the dashboard (Profile → Telegram) with the code I sent when you linked. If you no longer have it, send a new link code with /verify.',
      ]);
      const tokens = await s.t.db.db
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
        expect(s.telegram.textsTo(chatId).some((text) => text.includes('Free money'))).toBe(false);
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
      s.telegram.blockChat(BOB.id);
      expect(await say(ADMIN, '/broadcast')).toEqual([
        'Usage: /broadcast TEXT\nSends TEXT to every user with a linked Telegram account.',
      ]);
      expect(await say(ADMIN, '/broadcast Race night at 8pm!\nBring friends.')).toEqual([
        "📣 Sending to 4 linked users… I'll tell you when it's done.",
      ]);
      await s.goated.idle();
      const announcement = '📣 Announcement\n\nRace night at 8pm!\nBring friends.';
      expect(s.telegram.textsTo(ALICE.id).at(-1)).toBe(announcement);
      expect(s.telegram.textsTo(SAM.id).at(-1)).toBe(announcement);
      expect(s.telegram.textsTo(ADMIN.id).slice(-2)).toEqual([
        announcement,
        '📣 Broadcast done: delivered to 3 of 4. 1 could not be reached (they may have blocked me).',
      ]);
      expect(s.logs).toContain(
        `error: Notification not delivered (broadcast) to chat ${BOB.id}: Telegram answered 403: Forbidden: bot was blocked by the user`,
      );
      const audit = await s.adminClient.api.admin.audit.list.query({ action: 'telegram.broadcast' });
      expect(audit.entries[0]).toMatchObject({ actorUsername: 'admin', details: { recipients: 4 } });
    });

    it('refuses a broadcast that is too long, with the reason', async () => {
      expect(await say(ADMIN, `/broadcast ${'x'.repeat(3501)}`)).toEqual([
        "I can't broadcast that: Text must be at most 3500 characters.",
      ]);
    });
  });
}
