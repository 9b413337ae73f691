/**
 * The Telegram link as an attacker would use it, on both databases: a leaked link code gives a
 * stranger a link that counts for nothing until the account's owner confirms it on the
 * dashboard; the owner is told and can remove it; and what the bot asks for one Telegram user is
 * counted against that user, not against the bot's key that everyone shares.
 */
import { testBackends } from '@goated/testing/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/index';
import {
  type ApiKeyIdentity,
  type AppEvents,
  createCallerFactory,
  createContext,
  createRateLimits,
  type SessionUser,
} from '../src/server';
import { type Caller, createTestApi, insertUser, type TestApi } from './fixtures';

const createCaller = createCallerFactory(appRouter);

describe.each(testBackends())('the Telegram link under attack on %s', (kind) => {
  let t: TestApi;
  let admin: SessionUser;
  let botKey: ApiKeyIdentity;
  let bot: Caller;
  const notices: AppEvents['user.notification'][] = [];

  beforeAll(async () => {
    t = await createTestApi(kind);
    admin = await insertUser(t.deps.db, { username: 'sec_admin', role: 'admin' });
    const created = await t.callerAs({ user: admin }).admin.apiKeys.create({ name: 'bot', scopes: ['bot'] });
    botKey = { id: created.apiKey.id, name: 'bot', scopes: ['bot'], ownerId: admin.id };
    bot = t.callerAs({ apiKey: botKey });
    t.deps.bus.subscribe('user.notification', (event) => notices.push(event));
  });
  afterAll(() => t.close());

  it('a stranger holding a leaked link code gets a link that yields no reset token; the owner is told and removes it', async () => {
    const victim = await insertUser(t.deps.db, { username: 'victim' });
    const victimCaller = t.callerAs({ user: victim });
    const { code } = await victimCaller.telegram.createLinkCode();
    // The stranger's Telegram sends the code first (from a screenshot or a shared t.me link).
    const linked = await bot.telegram.verify({ code, telegramId: 66_600, telegramUsername: 'stranger' });
    expect(linked.username).toBe('victim');
    await expect(bot.telegram.issueResetToken({ telegramId: 66_600 })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
    expect(notices).toContainEqual(
      expect.objectContaining({
        userId: victim.id,
        type: 'telegram.linked',
        body: expect.stringContaining('@stranger was linked to your account'),
      }),
    );
    // The code the bot sent went to the stranger's chat; the owner cannot confirm without it.
    await expect(victimCaller.telegram.confirmLink({ code: 'AAAAAA' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await victimCaller.telegram.unlink()).toEqual({ unlinked: true });
    expect(await bot.telegram.userByTelegramId({ telegramId: 66_600 })).toBeNull();
    expect(notices).toContainEqual(expect.objectContaining({ userId: victim.id, type: 'telegram.unlinked' }));
  });

  it('a leaked admin link carries no admin commands until confirmed', async () => {
    const { code } = await t.callerAs({ user: admin }).telegram.createLinkCode();
    await bot.telegram.verify({ code, telegramId: 66_601 });
    await expect(bot.telegram.broadcast({ requesterTelegramId: 66_601, text: 'Free money!' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(bot.telegram.lookupUser({ requesterTelegramId: 66_601, username: 'victim' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('every reset token and every reset is told to the account', async () => {
    const user = await insertUser(t.deps.db, { username: 'resetter' });
    const before = notices.length;
    const { token } = await t.callerAs({ user: admin }).admin.users.issueResetToken({ userId: user.id });
    await t.caller.auth.resetPassword({ token, password: 'a brand new secret' });
    expect(notices.slice(before).filter((n) => n.userId === user.id)).toEqual([
      expect.objectContaining({ type: 'password.resetIssued', body: expect.stringContaining('issued by an admin') }),
      expect.objectContaining({ type: 'password.reset', title: 'Password changed' }),
    ]);
  });

  describe('rate limits per Telegram user', () => {
    let limited: Caller;

    beforeAll(() => {
      t.deps.rateLimits = createRateLimits();
      limited = createCaller(createContext(t.deps, { requestId: 'bot', apiKey: botKey, ip: '127.0.0.1' }));
    });
    afterAll(() => {
      delete t.deps.rateLimits;
    });

    it('70 people asking for resets do not spend the budget a real user’s /verify needs', async () => {
      for (let i = 0; i < 70; i++) {
        await expect(limited.telegram.issueResetToken({ telegramId: 70_000 + i })).rejects.toMatchObject({
          code: 'NOT_FOUND',
        });
      }
      const owner = await insertUser(t.deps.db, { username: 'real_user' });
      const { code } = await t.callerAs({ user: owner }).telegram.createLinkCode();
      await expect(limited.telegram.verify({ code, telegramId: 71_000 })).resolves.toMatchObject({
        username: 'real_user',
      });
    });

    it('counts each Telegram user’s calls against that user only', async () => {
      for (let i = 0; i < 30; i++) await limited.telegram.userByTelegramId({ telegramId: 72_000 });
      await expect(limited.telegram.userByTelegramId({ telegramId: 72_000 })).rejects.toMatchObject({
        code: 'TOO_MANY_REQUESTS',
      });
      await expect(limited.telegram.userByTelegramId({ telegramId: 72_001 })).resolves.toBeNull();
    });

    it('gives one Telegram user at most three reset tokens an hour', async () => {
      const user = await insertUser(t.deps.db, { username: 'often_forgets' });
      const { code } = await t.callerAs({ user }).telegram.createLinkCode();
      const { confirmationCode } = await limited.telegram.verify({ code, telegramId: 73_000 });
      await t.callerAs({ user }).telegram.confirmLink({ code: confirmationCode });
      for (let i = 0; i < 3; i++) await limited.telegram.issueResetToken({ telegramId: 73_000 });
      await expect(limited.telegram.issueResetToken({ telegramId: 73_000 })).rejects.toMatchObject({
        code: 'TOO_MANY_REQUESTS',
      });
    });
  });
});
