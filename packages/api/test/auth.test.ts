import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Context, createRequestContext, deleteExpiredCredentials, type SessionUser } from '../src/server';
import { type Caller, createTestApi, insertUser, type TestApi } from './fixtures';

const GOOD_PASSWORD = 'correct horse battery';

async function rejection(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(error instanceof TRPCError)) throw new Error(`expected a TRPCError, got ${String(error)}`);
  return error;
}

/** The field paths a rejected input names, whatever produced them (zod or a field error). */
function fieldsOf(error: TRPCError): string[] {
  const cause = error.cause;
  if (cause && 'issues' in cause && Array.isArray(cause.issues)) {
    return [...new Set(cause.issues.map((i: { path: PropertyKey[] }) => i.path.join('.')))];
  }
  if (cause && 'path' in cause && Array.isArray(cause.path)) return [cause.path.join('.')];
  return [];
}

describe.each(testBackends())('accounts on %s', (kind) => {
  let t: TestApi;
  let admin: SessionUser;
  let adminCaller: Caller;

  /** What the transport does with a bearer token. */
  const callerWithToken = async (token: string) => t.callerAs(await identityOf(token));
  const identityOf = async (token: string): Promise<Pick<Context, 'user' | 'apiKey' | 'sessionId'>> => {
    const ctx = await createRequestContext(t.deps, {
      requestId: 'test',
      ip: '203.0.113.9',
      cookieHeader: null,
      authorization: `Bearer ${token}`,
      connectionToken: null,
      cookies: null,
    });
    return { user: ctx.user, apiKey: ctx.apiKey, sessionId: ctx.sessionId };
  };

  beforeAll(async () => {
    t = await createTestApi(kind);
    admin = await insertUser(t.deps.db, { username: 'root_admin', role: 'admin' });
    adminCaller = t.callerAs({ user: admin });
  });
  afterAll(() => t.close());

  describe('sign-up', () => {
    it('creates an account, normalizes the name and starts a session', async () => {
      const result = await t.caller.auth.signUp({ username: '  Goat_King ', password: GOOD_PASSWORD, mode: 'token' });
      expect(result.user).toMatchObject({ username: 'Goat_King', role: 'user' });
      expect(result.token).toEqual(expect.any(String));
      const [row] = await t.deps.db.select().from(schema.users).where(eq(schema.users.id, result.user.id));
      expect(row?.username).toBe('goat_king');
      expect(row?.passwordHash).toMatch(/^scrypt\$/);
      expect(row?.passwordHash).not.toContain(GOOD_PASSWORD);
      const me = await (await callerWithToken(result.token ?? '')).auth.me();
      expect(me?.username).toBe('Goat_King');
    });

    it('refuses a taken name, whatever its case or width', async () => {
      for (const username of ['goat_king', 'GOAT_KING', 'Ｇｏａｔ＿Ｋｉｎｇ']) {
        const error = await rejection(t.caller.auth.signUp({ username, password: GOOD_PASSWORD, mode: 'token' }));
        expect(error.code).toBe('CONFLICT');
        expect(fieldsOf(error)).toEqual(['username']);
      }
    });

    it.each([
      ['empty', '', 'username'],
      ['too short', 'ab', 'username'],
      ['too long', 'a'.repeat(33), 'username'],
      ['a Cyrillic look-alike', 'gоat', 'username'],
      ['a zero-width space', 'go\u200bat', 'username'],
      ['a right-to-left override', 'goat\u202Eexe', 'username'],
      ['spaces inside', 'goat king', 'username'],
    ])('refuses a username that is %s', async (_label, username, field) => {
      const error = await rejection(t.caller.auth.signUp({ username, password: GOOD_PASSWORD, mode: 'token' }));
      expect(error.code).toBe('BAD_REQUEST');
      expect(fieldsOf(error)).toContain(field);
    });

    it.each([
      ['too short', 'short1'],
      ['too long', 'x'.repeat(129)],
      ['common', 'password123'],
      ['repetitive', 'aaaaaaaaaaaa'],
      ['the username', 'Weak_User_Name'],
    ])('refuses a password that is %s', async (_label, password) => {
      const error = await rejection(t.caller.auth.signUp({ username: 'weak_user_name', password, mode: 'token' }));
      expect(error.code).toBe('BAD_REQUEST');
      expect(fieldsOf(error)).toEqual(['password']);
    });

    it('refuses wrong types with the field named', async () => {
      const error = await rejection(
        // @ts-expect-error: deliberately wrong types
        t.caller.auth.signUp({ username: 42, password: ['x'] }),
      );
      expect(error.code).toBe('BAD_REQUEST');
      expect(fieldsOf(error).sort()).toEqual(['password', 'username']);
    });

    it('refuses a cookie session where no cookie can be set', async () => {
      const error = await rejection(t.caller.auth.signUp({ username: 'cookie_less', password: GOOD_PASSWORD }));
      expect(error.code).toBe('BAD_REQUEST');
    });
  });

  describe('sign-in', () => {
    beforeAll(async () => {
      await t.caller.auth.signUp({ username: 'signer', password: GOOD_PASSWORD, mode: 'token' });
    });

    it('signs in with the right password, by any case of the name', async () => {
      const result = await t.caller.auth.signIn({ username: 'SIGNER', password: GOOD_PASSWORD, mode: 'token' });
      expect(result.user.username).toBe('signer');
      expect(result.expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    });

    it('gives the same answer for a wrong password and an unknown user', async () => {
      const wrong = await rejection(
        t.caller.auth.signIn({ username: 'signer', password: 'not the password', mode: 'token' }),
      );
      const unknown = await rejection(
        t.caller.auth.signIn({ username: 'nobody_here', password: 'whatever12345', mode: 'token' }),
      );
      expect(wrong.code).toBe('UNAUTHORIZED');
      expect(unknown.code).toBe('UNAUTHORIZED');
      expect(wrong.message).toBe(unknown.message);
    });

    it.each([
      [{ username: '', password: 'x' }, 'username'],
      [{ username: 'signer', password: '' }, 'password'],
      [{ username: 'a'.repeat(65), password: 'x' }, 'username'],
      [{ username: 'signer', password: 'p'.repeat(129) }, 'password'],
    ])('names the bad field in %j', async (input, field) => {
      const error = await rejection(t.caller.auth.signIn({ ...input, mode: 'token' }));
      expect(error.code).toBe('BAD_REQUEST');
      expect(fieldsOf(error)).toEqual([field]);
    });

    it('signs out: the token stops working', async () => {
      const { token } = await t.caller.auth.signIn({ username: 'signer', password: GOOD_PASSWORD, mode: 'token' });
      const caller = await callerWithToken(token ?? '');
      expect(await caller.auth.signOut()).toEqual({ signedOut: true });
      await expect(identityOf(token ?? '')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    });

    it('reports me as null when signed out', async () => {
      expect(await t.caller.auth.me()).toBeNull();
    });
  });

  describe('passwords', () => {
    it('changes the password and ends the other sessions, keeping this one', async () => {
      await t.caller.auth.signUp({ username: 'changer', password: GOOD_PASSWORD, mode: 'token' });
      const a = await t.caller.auth.signIn({ username: 'changer', password: GOOD_PASSWORD, mode: 'token' });
      const b = await t.caller.auth.signIn({ username: 'changer', password: GOOD_PASSWORD, mode: 'token' });
      const callerA = await callerWithToken(a.token ?? '');
      const wrong = await rejection(
        callerA.auth.changePassword({ currentPassword: 'nope', newPassword: 'a brand new secret' }),
      );
      expect(fieldsOf(wrong)).toEqual(['currentPassword']);
      await callerA.auth.changePassword({ currentPassword: GOOD_PASSWORD, newPassword: 'a brand new secret' });
      await expect(identityOf(b.token ?? '')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      expect((await identityOf(a.token ?? '')).user?.username).toBe('changer');
      await expect(
        t.caller.auth.signIn({ username: 'changer', password: GOOD_PASSWORD, mode: 'token' }),
      ).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
    });

    it('resets a password with a one-time token from an admin', async () => {
      const { user } = await t.caller.auth.signUp({ username: 'forgetful', password: GOOD_PASSWORD, mode: 'token' });
      const { token } = await adminCaller.admin.users.issueResetToken({ userId: user.id });
      await t.caller.auth.resetPassword({ token, password: 'remembered at last' });
      const again = await rejection(t.caller.auth.resetPassword({ token, password: 'another new one!' }));
      expect(again.code).toBe('BAD_REQUEST');
      expect(fieldsOf(again)).toEqual(['token']);
      const signedIn = await t.caller.auth.signIn({
        username: 'forgetful',
        password: 'remembered at last',
        mode: 'token',
      });
      expect(signedIn.user.id).toBe(user.id);
    });

    it('refuses an expired reset token', async () => {
      const { user } = await t.caller.auth.signUp({ username: 'too_late', password: GOOD_PASSWORD, mode: 'token' });
      const { token } = await adminCaller.admin.users.issueResetToken({ userId: user.id });
      await t.deps.db
        .update(schema.passwordResetTokens)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(schema.passwordResetTokens.userId, user.id));
      await expect(t.caller.auth.resetPassword({ token, password: 'remembered at last' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
    });

    it('issues a reset token to the bot only for a linked, confirmed Telegram account', async () => {
      const { user } = await t.caller.auth.signUp({ username: 'telegrammer', password: GOOD_PASSWORD, mode: 'token' });
      await t.deps.db
        .update(schema.users)
        .set({ telegramId: 777001, telegramConfirmedAt: new Date() })
        .where(eq(schema.users.id, user.id));
      const created = await adminCaller.admin.apiKeys.create({ name: 'bot', scopes: ['bot'] });
      const bot = await callerWithToken(created.key);
      const issued = await bot.telegram.issueResetToken({ telegramId: 777001 });
      expect(issued.token.length).toBeGreaterThan(20);
      await expect(bot.telegram.issueResetToken({ telegramId: 999 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const ingest = await callerWithToken(
        (await adminCaller.admin.apiKeys.create({ name: 'in', scopes: ['ingest'] })).key,
      );
      await expect(ingest.telegram.issueResetToken({ telegramId: 777001 })).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      await expect(t.caller.telegram.issueResetToken({ telegramId: 777001 })).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
    });
  });

  describe('walls', () => {
    it('refuses signed-out callers on protected and admin procedures', async () => {
      await expect(
        t.caller.auth.changePassword({ currentPassword: 'x', newPassword: GOOD_PASSWORD }),
      ).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
      await expect(t.caller.admin.users.list({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    });

    it('refuses the wrong role', async () => {
      const user = await insertUser(t.deps.db);
      await expect(t.callerAs({ user }).admin.users.list({})).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(t.callerAs({ user }).admin.apiKeys.create({ name: 'x', scopes: ['bot'] })).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
    });

    it('lets a read-scoped key read admin data but change nothing', async () => {
      const reader = t.callerAs({ apiKey: { id: 9, name: 'reader', scopes: ['read'], ownerId: null } });
      expect((await reader.admin.users.list({})).users.length).toBeGreaterThan(0);
      await expect(reader.admin.apiKeys.create({ name: 'x', scopes: ['bot'] })).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      const bot = t.callerAs({ apiKey: { id: 10, name: 'bot', scopes: ['bot'], ownerId: null } });
      await expect(bot.admin.users.list({})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });
  });
});

describe.each(testBackends())('sessions on %s', (kind) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi(kind);
  });
  afterAll(() => t.close());

  const withCookie = async (cookieHeader: string) => {
    const set: string[] = [];
    const ctx = await createRequestContext(t.deps, {
      requestId: 'test',
      ip: null,
      cookieHeader,
      authorization: null,
      connectionToken: null,
      cookies: { set: (c) => set.push(c) },
    });
    return { ctx, set };
  };

  it('slides the expiry of an active session and refreshes the cookie', async () => {
    const { token, user } = await t.caller.auth.signUp({ username: 'slider', password: GOOD_PASSWORD, mode: 'token' });
    const soon = new Date(Date.now() + 86_400_000);
    await t.deps.db.update(schema.sessions).set({ expiresAt: soon }).where(eq(schema.sessions.userId, user.id));
    const { ctx, set } = await withCookie(`goated_session=${token}`);
    expect(ctx.user?.id).toBe(user.id);
    expect(set.join()).toMatch(/goated_session=/);
    const [session] = await t.deps.db.select().from(schema.sessions).where(eq(schema.sessions.userId, user.id));
    expect(session?.expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
  });

  it('clears a stale cookie and continues signed out', async () => {
    const { ctx, set } = await withCookie('goated_session=not-a-session');
    expect(ctx.user).toBeNull();
    expect(set.join()).toMatch(/goated_session=;/);
  });

  it('cleans up expired sessions and reset tokens', async () => {
    const { user } = await t.caller.auth.signUp({ username: 'expired_one', password: GOOD_PASSWORD, mode: 'token' });
    await t.deps.db
      .update(schema.sessions)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(schema.sessions.userId, user.id));
    await t.deps.db
      .insert(schema.passwordResetTokens)
      .values({ tokenHash: 'old', userId: user.id, expiresAt: new Date(Date.now() - 1000) });
    await deleteExpiredCredentials(t.deps.db);
    expect(await t.deps.db.select().from(schema.sessions).where(eq(schema.sessions.userId, user.id))).toEqual([]);
    expect(await t.deps.db.select().from(schema.passwordResetTokens)).toEqual([]);
  });
});
