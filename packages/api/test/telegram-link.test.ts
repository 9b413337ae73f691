/**
 * The Telegram link's codes, on both databases: a one-time code from the dashboard, `/verify
 * CODE` in the bot, the confirmation code back on the dashboard, and every way a code is refused.
 */
import type { AppEvents } from '@goated/api/server';
import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyIdentity, SessionUser } from '../src/server';
import { LINK_CODE_TTL_MS } from '../src/services/telegram/link';
import type { Caller, TestApi } from './fixtures';
import { telegramSuite } from './support/telegram-suite';

describe.each(testBackends())('telegram link on %s', (kind) => {
  const suite = telegramSuite(kind);
  const { dashboardUser, linkedUser } = suite;
  let t: TestApi;
  let admin: SessionUser;
  let adminCaller: Caller;
  let botKey: ApiKeyIdentity;
  let bot: Caller;
  beforeAll(() => {
    ({ t, admin, adminCaller, botKey, bot } = suite.world());
  });

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
});
