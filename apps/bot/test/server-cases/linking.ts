/** /start, /help, unknown commands and linking with /verify (the links the later cases use). */
import { schema } from '@goated/db';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { ADMIN, ALICE, BOB, group, SAM, type ServerScenario } from '../support/server-scenario';

export function linkingCases(s: ServerScenario): void {
  const { say, account, linkCodeFor, linkedReply, confirmOnDashboard } = s;

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
        "That doesn't look like a link code: a code is 8 letters and digits, like /verify AB3D5FGH.",
      ]);
    });

    it('refuses an expired code', async () => {
      const code = await linkCodeFor('bob');
      await s.t.db.db
        .update(schema.telegramLinkCodes)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(schema.telegramLinkCodes.code, code));
      expect(await say(BOB, `/verify ${code}`)).toEqual([
        'That code has expired (codes last 10 minutes, and only the newest one works). Create a new one on the dashboard.',
      ]);
      expect(await s.botClient.api.telegram.userByTelegramId.query({ telegramId: BOB.id })).toBeNull();
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
}
