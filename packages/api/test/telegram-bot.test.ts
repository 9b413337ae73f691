/**
 * What the bot asks of the server for linked users, on both databases: the admin commands, live
 * race positions, finished races, notifications to deliver, and the bot's presence in health.
 */
import type { AppEvents } from '@goated/api/server';
import { schema } from '@goated/db';
import { fullHealth } from '@goated/testing';
import { testBackends } from '@goated/testing/db';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyIdentity, SessionUser } from '../src/server';
import { addDays, startOfUtcDay, utcDay } from '../src/services/dates';
import { telegramNotifications } from '../src/services/notifications/telegram-delivery';
import { finishedRaces } from '../src/services/telegram/race-feeds';
import { type Caller, insertWagerDays, type TestApi } from './fixtures';
import { telegramSuite } from './support/telegram-suite';

/** The first `count` values of a feed, then stops it. */
async function take<T>(feed: AsyncGenerator<T>, count: number): Promise<T[]> {
  const values: T[] = [];
  for await (const value of feed) {
    values.push(value);
    if (values.length >= count) break;
  }
  return values;
}

describe.each(testBackends())('telegram bot procedures on %s', (kind) => {
  const suite = telegramSuite(kind);
  const { dashboardUser, linkedUser } = suite;
  let t: TestApi;
  let admin: SessionUser;
  let adminCaller: Caller;
  let botKey: ApiKeyIdentity;
  let bot: Caller;
  beforeAll(async () => {
    ({ t, admin, adminCaller, botKey, bot } = suite.world());
    // Ann, linked as 1001 (@ann_tg) and confirmed on the dashboard.
    const { caller } = await dashboardUser('ann', 'p-ann');
    const { code } = await caller.telegram.createLinkCode();
    const { confirmationCode } = await bot.telegram.verify({ code, telegramId: 1001, telegramUsername: 'ann_tg' });
    await caller.telegram.confirmLink({ code: confirmationCode });
  });

  describe('admin commands', () => {
    let adminTelegramId: number;

    beforeAll(async () => {
      adminTelegramId = 9000;
      const { code } = await adminCaller.telegram.createLinkCode();
      const { confirmationCode } = await bot.telegram.verify({ code, telegramId: adminTelegramId });
      await adminCaller.telegram.confirmLink({ code: confirmationCode });
    });

    it('looks a user up for a linked admin, and audits it as that admin', async () => {
      const found = await bot.telegram.lookupUser({ requesterTelegramId: adminTelegramId, username: 'ANN' });
      expect(found).toMatchObject({
        username: 'ann',
        role: 'user',
        banned: false,
        telegram: { linked: true, username: 'ann_tg' },
        player: { uid: 'p-ann' },
      });
      const [audit] = await t.deps.db
        .select()
        .from(schema.auditLog)
        .where(eq(schema.auditLog.action, 'telegram.userLookup'));
      expect(audit).toMatchObject({ actorUserId: admin.id, actorApiKeyId: botKey.id, targetId: found.id });
      await expect(
        bot.telegram.lookupUser({ requesterTelegramId: adminTelegramId, username: 'nobody_here' }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('refuses admin commands from a non-admin or an unlinked Telegram user', async () => {
      for (const requesterTelegramId of [1001, 123456789]) {
        await expect(bot.telegram.lookupUser({ requesterTelegramId, username: 'ann' })).rejects.toMatchObject({
          code: 'FORBIDDEN',
        });
        await expect(bot.telegram.broadcast({ requesterTelegramId, text: 'hi' })).rejects.toMatchObject({
          code: 'FORBIDDEN',
        });
      }
    });

    it('returns every linked, non-banned Telegram id for a broadcast, and audits the text', async () => {
      const sent = await bot.telegram.broadcast({ requesterTelegramId: adminTelegramId, text: '  Race at 8!  ' });
      expect(sent.text).toBe('Race at 8!');
      const linked = await t.deps.db
        .select({ id: schema.users.telegramId, banned: schema.users.banned })
        .from(schema.users);
      const expected = linked
        .filter((u) => u.id !== null && !u.banned)
        .map((u) => u.id)
        .sort((a, b) => (a ?? 0) - (b ?? 0));
      expect(sent.recipients).toEqual(expected);
      expect(sent.recipients).toContain(1001);
      const [audit] = await t.deps.db
        .select()
        .from(schema.auditLog)
        .where(eq(schema.auditLog.action, 'telegram.broadcast'));
      expect(audit).toMatchObject({
        actorUserId: admin.id,
        details: { text: 'Race at 8!', recipients: expected.length },
      });
    });

    it('issues a reset token only for a confirmed link of a non-admin account, and tells the account', async () => {
      const notices: AppEvents['user.notification'][] = [];
      const unsubscribe = t.deps.bus.subscribe('user.notification', (event) => notices.push(event));
      try {
        await expect(bot.telegram.issueResetToken({ telegramId: 1001 })).resolves.toMatchObject({
          token: expect.any(String),
        });
        const ann = await bot.telegram.userByTelegramId({ telegramId: 1001 });
        expect(notices).toContainEqual(
          expect.objectContaining({ userId: ann?.id, type: 'telegram.resetIssued', title: 'Password reset requested' }),
        );
        await expect(bot.telegram.issueResetToken({ telegramId: 31337 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
        await expect(bot.telegram.issueResetToken({ telegramId: adminTelegramId })).rejects.toMatchObject({
          code: 'FORBIDDEN',
          message: 'Admins cannot reset their password through Telegram; another admin can issue a reset token',
        });
      } finally {
        unsubscribe();
      }
    });
  });

  describe('races and notifications', () => {
    const today = startOfUtcDay(new Date());

    it("reports linked players' ranks in each live race", async () => {
      await linkedUser('cat', 8008, 'p-cat');
      await insertWagerDays(t.deps.db, [
        { uid: 'p-ann', day: utcDay(today), wagered: '10.00' },
        { uid: 'p-ben', day: utcDay(today), wagered: '30.00' },
        { uid: 'p-cat', day: utcDay(today), wagered: '20.00' },
      ]);
      const [race] = await t.deps.db
        .insert(schema.races)
        .values({
          name: 'Live one',
          startsAt: addDays(today, -1),
          endsAt: addDays(today, 2),
          prizePool: '100.00',
          prizeSplit: ['100.00'],
          status: 'live',
        })
        .returning();
      const live = await bot.telegram.livePositions();
      expect(live).toEqual([
        {
          raceId: race?.id,
          name: 'Live one',
          endsAt: race?.endsAt,
          // Ben (rank 1) has no Telegram link.
          positions: [
            { telegramId: 8008, uid: 'p-cat', name: 'Cat', rank: 2, wagered: '20.00', prize: '0.00' },
            { telegramId: 1001, uid: 'p-ann', name: 'Ann', rank: 3, wagered: '10.00', prize: '0.00' },
          ],
        },
      ]);
    });

    it('feeds each finished race with its winners’ Telegram ids', async () => {
      const abort = new AbortController();
      const feed = finishedRaces(t.deps, null, abort.signal);
      const first = take(feed, 1);
      // Let the generator start listening before publishing.
      await new Promise((resolve) => setTimeout(resolve, 20));
      await t.deps.bus.publish('race.finished', {
        raceId: 77,
        name: 'Weekly',
        prizePool: '100.00',
        unawarded: '0.00',
        at: '2030-01-01T00:00:00.000Z',
        winners: [
          { rank: 1, uid: 'p-ann', name: 'Ann', wagered: '10.00', prize: '60.00' },
          { rank: 2, uid: 'p-ben', name: 'Ben', wagered: '9.00', prize: '40.00' },
        ],
      });
      const [envelope] = await first;
      abort.abort();
      expect(envelope?.[0]).toBe(`${Date.parse('2030-01-01T00:00:00.000Z')}:77`);
      expect(envelope?.[1].winners.map((w) => [w.uid, w.telegramId])).toEqual([
        ['p-ann', 1001],
        ['p-ben', null],
      ]);
    });

    it('replays races finalized since the last event id after a reconnect', async () => {
      const finalizedAt = new Date();
      const [race] = await t.deps.db
        .insert(schema.races)
        .values({
          name: 'Already over',
          startsAt: addDays(today, -7),
          endsAt: addDays(today, -1),
          prizePool: '50.00',
          prizeSplit: ['50.00'],
          status: 'completed',
          finalizedAt,
        })
        .returning();
      if (!race) throw new Error('no race');
      await t.deps.db.insert(schema.raceResults).values([
        { raceId: race.id, rank: 1, playerUid: 'p-cat', playerName: 'Cat', wagered: '20.00', prize: '50.00' },
        { raceId: race.id, rank: 2, playerUid: 'p-ann', playerName: 'Ann', wagered: '10.00', prize: '0.00' },
      ]);
      const abort = new AbortController();
      const lastEventId = `${finalizedAt.getTime() - 5 * 60_000}:1`;
      const [envelope] = await take(finishedRaces(t.deps, lastEventId, abort.signal), 1);
      abort.abort();
      expect(envelope?.[1]).toMatchObject({
        raceId: race.id,
        name: 'Already over',
        winners: [{ rank: 1, uid: 'p-cat', prize: '50.00', telegramId: 8008 }],
      });
    });

    it("forwards users' notifications to the bot for linked users only", async () => {
      const abort = new AbortController();
      const feed = telegramNotifications(t.deps, null, abort.signal);
      const got = take(feed, 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const [ann] = await t.deps.db.select().from(schema.users).where(eq(schema.users.username, 'ann'));
      const at = new Date().toISOString();
      await t.deps.bus.publish('user.notification', { userId: `${admin.id}x`, kind: 'x', title: 'no', body: '', at });
      await t.deps.bus.publish('user.notification', {
        userId: ann?.id ?? '',
        kind: 'challenge.approved',
        title: 'Approved',
        body: 'Your entry was approved.',
        at,
      });
      expect((await got).map(([, notification]) => notification)).toEqual([
        {
          id: null,
          telegramId: 1001,
          kind: 'challenge.approved',
          type: 'challenge.approved',
          title: 'Approved',
          body: 'Your entry was approved.',
          link: null,
          at,
        },
      ]);
      abort.abort();
    });

    it('sends a signed-in user only their own notifications', async () => {
      const { user, caller } = await dashboardUser('listener');
      const feed = await caller.notifications.onNotify();
      const got = (async () => {
        for await (const event of feed) return event;
      })();
      await new Promise((resolve) => setTimeout(resolve, 20));
      const at = new Date().toISOString();
      await t.deps.bus.publish('user.notification', { userId: admin.id, kind: 'x', title: 'Not yours', body: '', at });
      await t.deps.bus.publish('user.notification', { userId: user.id, kind: 'y', title: 'Yours', body: 'hi', at });
      // Leaving the loop ends the subscription.
      expect(await got).toEqual({ userId: user.id, kind: 'y', title: 'Yours', body: 'hi', at });
    });

    it('shows in health whether the bot has called recently', async () => {
      const before = fullHealth(await adminCaller.health.status());
      expect(before.bot).toEqual({ connected: false, lastSeenAt: null });
      await t.deps.db.update(schema.apiKeys).set({ lastUsedAt: new Date() }).where(eq(schema.apiKeys.id, botKey.id));
      const after = fullHealth(await adminCaller.health.status());
      expect(after.bot.connected).toBe(true);
      await t.deps.db
        .update(schema.apiKeys)
        .set({ lastUsedAt: new Date(Date.now() - 10 * 60_000) })
        .where(eq(schema.apiKeys.id, botKey.id));
      expect(fullHealth(await adminCaller.health.status()).bot.connected).toBe(false);
      // Anonymous callers learn only up/degraded, the version and freshness.
      expect(Object.keys(await t.caller.health.status()).sort()).toEqual(['detail', 'freshness', 'status', 'version']);
    });
  });
});
