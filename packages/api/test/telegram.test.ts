import type { AppEvents } from '@goated/api/server';
import { schema } from '@goated/db';
import { fullHealth } from '@goated/testing';
import { testBackends } from '@goated/testing/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyIdentity, SessionUser } from '../src/server';
import { addDays, startOfUtcDay, utcDay } from '../src/services/dates';
import { telegramNotifications } from '../src/services/notifications/telegram-delivery';
import { finishedRaces } from '../src/services/telegram';
import { LINK_CODE_TTL_MS } from '../src/services/telegram-link';
import { type Caller, createTestApi, insertPlayers, insertUser, insertWagerDays, type TestApi } from './fixtures';

/** The first `count` values of a feed, then stops it. */
async function take<T>(feed: AsyncGenerator<T>, count: number): Promise<T[]> {
  const values: T[] = [];
  for await (const value of feed) {
    values.push(value);
    if (values.length >= count) break;
  }
  return values;
}

describe.each(testBackends())('telegram link and bot procedures on %s', (kind) => {
  let t: TestApi;
  let admin: SessionUser;
  let adminCaller: Caller;
  let botKey: ApiKeyIdentity;
  let bot: Caller;

  /** A user with a player, signed in on the dashboard. */
  async function dashboardUser(username: string, playerUid?: string) {
    const user = await insertUser(t.deps.db, { username, ...(playerUid ? { playerUid } : {}) });
    return { user, caller: t.callerAs({ user }) };
  }

  async function linkedUser(username: string, telegramId: number, playerUid?: string) {
    const { user, caller } = await dashboardUser(username, playerUid);
    const { code } = await caller.telegram.createLinkCode();
    await bot.telegram.verify({ code, telegramId });
    return user;
  }

  beforeAll(async () => {
    t = await createTestApi(kind);
    admin = await insertUser(t.deps.db, { username: 'boss', role: 'admin' });
    adminCaller = t.callerAs({ user: admin });
    const created = await adminCaller.admin.apiKeys.create({ name: 'telegram bot', scopes: ['bot'] });
    botKey = { id: created.apiKey.id, name: 'telegram bot', scopes: ['bot'], ownerId: admin.id };
    bot = t.callerAs({ apiKey: botKey });
    await insertPlayers(t.deps.db, [
      { uid: 'p-ann', name: 'Ann', month: '500.00', all: '900.00' },
      { uid: 'p-ben', name: 'Ben', month: '800.00', all: '800.00' },
      { uid: 'p-cat', name: 'Cat' },
    ]);
  });
  afterAll(() => t.close());

  describe('link codes', () => {
    it('gives a signed-in user an 8-character code that lasts ten minutes', async () => {
      const { caller } = await dashboardUser('coder');
      const before = Date.now();
      const { code, expiresAt } = await caller.telegram.createLinkCode();
      expect(code).toMatch(/^[A-HJ-NP-Z2-9]{8}$/);
      expect(expiresAt.getTime()).toBeGreaterThanOrEqual(before + LINK_CODE_TTL_MS);
      expect(expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + LINK_CODE_TTL_MS);
    });

    it('refuses to make a code for someone signed out', async () => {
      await expect(t.caller.telegram.createLinkCode()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    });

    it('links the Telegram account once, with the linked user and player in userByTelegramId', async () => {
      const { user, caller } = await dashboardUser('ann', 'p-ann');
      const { code } = await caller.telegram.createLinkCode();
      const linked = await bot.telegram.verify({ code, telegramId: 1001, telegramUsername: 'ann_tg' });
      expect(linked).toEqual({
        username: 'ann',
        role: 'user',
        movedFromAnotherAccount: false,
        confirmationCode: expect.stringMatching(/^[A-HJ-NP-Z2-9]{6}$/),
      });

      const found = await bot.telegram.userByTelegramId({ telegramId: 1001 });
      expect(found).toMatchObject({
        id: user.id,
        username: 'ann',
        role: 'user',
        banned: false,
        telegramUsername: 'ann_tg',
      });
      expect(found?.player?.periods.month).toEqual({ wagered: '500.00', rank: 2 });
      expect(found?.player?.periods.all).toEqual({ wagered: '900.00', rank: 1 });
      expect(await bot.telegram.userByTelegramId({ telegramId: 4242 })).toBeNull();
      expect(await caller.auth.me()).toMatchObject({
        telegram: { linked: true, username: 'ann_tg', confirmed: false },
      });
      // Ann confirms on the dashboard with the code the bot sent her.
      await expect(caller.telegram.confirmLink({ code: 'ZZZZZZ' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await caller.telegram.confirmLink({ code: linked.confirmationCode.toLowerCase() });
      expect(await caller.auth.me()).toMatchObject({ telegram: { linked: true, confirmed: true } });
      await expect(caller.telegram.confirmLink({ code: linked.confirmationCode })).rejects.toMatchObject({
        code: 'CONFLICT',
      });

      const [audit] = await t.deps.db
        .select()
        .from(schema.auditLog)
        .where(and(eq(schema.auditLog.action, 'telegram.link'), eq(schema.auditLog.targetId, user.id)));
      expect(audit).toMatchObject({ actorApiKeyId: botKey.id, details: expect.objectContaining({ telegramId: 1001 }) });
    });

    it('refuses a reused, a wrong, an expired and a malformed code with distinct errors', async () => {
      const { user, caller } = await dashboardUser('ben');
      const { code } = await caller.telegram.createLinkCode();
      await bot.telegram.verify({ code, telegramId: 2002 });
      await expect(bot.telegram.verify({ code, telegramId: 2003 })).rejects.toMatchObject({
        code: 'CONFLICT',
        message: 'This link code was already used',
      });
      await expect(bot.telegram.verify({ code: 'ZZZZZZZZ', telegramId: 2003 })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      const { code: late } = await caller.telegram.createLinkCode();
      await t.deps.db
        .update(schema.telegramLinkCodes)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(schema.telegramLinkCodes.code, late));
      await expect(bot.telegram.verify({ code: late, telegramId: 2003 })).rejects.toMatchObject({
        code: 'PRECONDITION_FAILED',
      });
      await expect(bot.telegram.verify({ code: 'abc', telegramId: 2003 })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      // Nothing changed for the failed attempts.
      expect(await bot.telegram.userByTelegramId({ telegramId: 2003 })).toBeNull();
      expect((await bot.telegram.userByTelegramId({ telegramId: 2002 }))?.id).toBe(user.id);
    });

    it('accepts a code typed in lower case with a dash', async () => {
      const { caller } = await dashboardUser('typist');
      const { code } = await caller.telegram.createLinkCode();
      const typed = `${code.slice(0, 4).toLowerCase()}-${code.slice(4).toLowerCase()}`;
      await expect(bot.telegram.verify({ code: typed, telegramId: 3003 })).resolves.toMatchObject({
        username: 'typist',
      });
    });

    it('replaces the earlier unused code when a new one is made', async () => {
      const { caller } = await dashboardUser('twice');
      const first = await caller.telegram.createLinkCode();
      const second = await caller.telegram.createLinkCode();
      await expect(bot.telegram.verify({ code: first.code, telegramId: 4004 })).rejects.toMatchObject({
        code: 'PRECONDITION_FAILED',
      });
      await expect(bot.telegram.verify({ code: second.code, telegramId: 4004 })).resolves.toMatchObject({
        username: 'twice',
      });
    });

    it('lets exactly one of two simultaneous uses of a code win', async () => {
      const { caller } = await dashboardUser('racer');
      const { code } = await caller.telegram.createLinkCode();
      const results = await Promise.allSettled([
        bot.telegram.verify({ code, telegramId: 5005 }),
        bot.telegram.verify({ code, telegramId: 5006 }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([
        expect.objectContaining({ reason: expect.objectContaining({ code: 'CONFLICT' }) }),
      ]);
    });

    it('moves a Telegram account linked to another user, and tells that user', async () => {
      const old = await linkedUser('old_owner', 6006);
      const { user: fresh, caller } = await dashboardUser('new_owner');
      const told: AppEvents['user.notification'][] = [];
      const stop = t.deps.bus.subscribe('user.notification', (event) => told.push(event));
      try {
        const { code } = await caller.telegram.createLinkCode();
        await expect(bot.telegram.verify({ code, telegramId: 6006 })).resolves.toMatchObject({
          movedFromAnotherAccount: true,
        });
      } finally {
        stop();
      }
      expect((await bot.telegram.userByTelegramId({ telegramId: 6006 }))?.id).toBe(fresh.id);
      const [oldRow] = await t.deps.db.select().from(schema.users).where(eq(schema.users.id, old.id));
      expect(oldRow?.telegramId).toBeNull();
      expect(told.map((e) => [e.userId, e.type])).toEqual([
        [fresh.id, 'telegram.linked'],
        [old.id, 'telegram.unlinked'],
      ]);
      const unlinks = await t.deps.db
        .select()
        .from(schema.auditLog)
        .where(and(eq(schema.auditLog.action, 'telegram.unlink'), eq(schema.auditLog.targetId, old.id)));
      expect(unlinks).toHaveLength(1);
    });

    it('will not link a banned account', async () => {
      const { user, caller } = await dashboardUser('banned_one');
      const { code } = await caller.telegram.createLinkCode();
      await t.deps.db.update(schema.users).set({ banned: true }).where(eq(schema.users.id, user.id));
      await expect(bot.telegram.verify({ code, telegramId: 7007 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });

    it('is for bot-scoped keys only', async () => {
      const ingest = await adminCaller.admin.apiKeys.create({ name: 'ingest', scopes: ['ingest'] });
      const ingestCaller = t.callerAs({
        apiKey: { id: ingest.apiKey.id, name: 'ingest', scopes: ['ingest'], ownerId: admin.id },
      });
      await expect(ingestCaller.telegram.userByTelegramId({ telegramId: 1001 })).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      await expect(t.caller.telegram.verify({ code: 'ABCDEFGH', telegramId: 1 })).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
      const { caller } = await dashboardUser('plain_user');
      await expect(caller.telegram.livePositions()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });
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
