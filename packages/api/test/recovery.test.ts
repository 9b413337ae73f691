/**
 * Account recovery: reset tokens (single-use, short-lived, stored hashed, every session ends),
 * the forced change of a generated password, and the operator's reset on the server.
 */
import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Context,
  createRequestContext,
  ensureAdmin,
  resetPasswordAsOperator,
  type SessionUser,
  UnknownUserError,
} from '../src/server';
import { RESET_TOKEN_TTL_MS } from '../src/services/auth/accounts';
import { sha256 } from '../src/services/auth/credentials';
import { type Caller, createTestApi, insertUser, type TestApi } from './fixtures';

const PASSWORD = 'correct horse battery';

describe.each(testBackends())('account recovery on %s', (kind) => {
  let t: TestApi;
  let adminCaller: Caller;

  const identityOf = async (token: string): Promise<Pick<Context, 'user' | 'apiKey' | 'sessionId'>> => {
    const ctx = await createRequestContext(t.deps, {
      requestId: 'test',
      ip: '203.0.113.7',
      cookieHeader: null,
      authorization: `Bearer ${token}`,
      connectionToken: null,
      cookies: null,
    });
    return { user: ctx.user, apiKey: ctx.apiKey, sessionId: ctx.sessionId };
  };
  const callerWithToken = async (token: string) => t.callerAs(await identityOf(token));

  async function signUp(username: string) {
    const { user } = await t.caller.auth.signUp({ username, password: PASSWORD, mode: 'token' });
    const sessions = await Promise.all(
      [1, 2].map(() => t.caller.auth.signIn({ username, password: PASSWORD, mode: 'token' })),
    );
    return { user, tokens: sessions.map((s) => s.token ?? '') };
  }

  beforeAll(async () => {
    t = await createTestApi(kind);
    const admin: SessionUser = await insertUser(t.deps.db, { username: 'helpdesk', role: 'admin' });
    adminCaller = t.callerAs({ user: admin });
  });
  afterAll(() => t.close());

  describe('reset tokens', () => {
    it('work once, end every session, and are stored only as a hash', async () => {
      const { user, tokens } = await signUp('lost_one');
      const { token, expiresAt } = await adminCaller.admin.users.issueResetToken({ userId: user.id });
      expect(expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(RESET_TOKEN_TTL_MS);
      const stored = await t.deps.db
        .select()
        .from(schema.passwordResetTokens)
        .where(eq(schema.passwordResetTokens.userId, user.id));
      expect(stored.map((s) => s.tokenHash)).toEqual([sha256(token)]);
      expect(JSON.stringify(stored)).not.toContain(token);

      await expect(t.caller.auth.resetPassword({ token, password: 'a new start 123' })).resolves.toEqual({
        reset: true,
      });
      for (const session of tokens) await expect(identityOf(session)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      await expect(t.caller.auth.resetPassword({ token, password: 'and again 12345' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: 'token: is invalid, expired or already used',
      });
      await expect(
        t.caller.auth.signIn({ username: 'lost_one', password: 'a new start 123', mode: 'token' }),
      ).resolves.toMatchObject({ user: { id: user.id } });
    });

    it('expire', async () => {
      const { user } = await signUp('slow_one');
      const { token } = await adminCaller.admin.users.issueResetToken({ userId: user.id });
      await t.deps.db
        .update(schema.passwordResetTokens)
        .set({ expiresAt: new Date(Date.now() - 1) })
        .where(eq(schema.passwordResetTokens.tokenHash, sha256(token)));
      await expect(t.caller.auth.resetPassword({ token, password: 'a new start 123' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      await expect(
        t.caller.auth.signIn({ username: 'slow_one', password: PASSWORD, mode: 'token' }),
      ).resolves.toBeTruthy();
    });

    it('only the newest works: a new token retires the older ones', async () => {
      const { user } = await signUp('twice_lost');
      const older = await adminCaller.admin.users.issueResetToken({ userId: user.id });
      const newer = await adminCaller.admin.users.issueResetToken({ userId: user.id });
      await expect(
        t.caller.auth.resetPassword({ token: older.token, password: 'a new start 123' }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(t.caller.auth.resetPassword({ token: newer.token, password: 'a new start 123' })).resolves.toEqual({
        reset: true,
      });
    });

    it('name the field that is wrong', async () => {
      const { user } = await signUp('picky_one');
      const { token } = await adminCaller.admin.users.issueResetToken({ userId: user.id });
      await expect(t.caller.auth.resetPassword({ token, password: 'short' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringContaining('at least 10 characters'),
      });
      await expect(
        t.caller.auth.resetPassword({ token: 'x\u0000', password: 'long enough 123' }),
      ).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      await expect(t.caller.auth.resetPassword({ token, password: 'PICKY_ONE' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      // The failed attempts did not use the token up.
      await expect(t.caller.auth.resetPassword({ token, password: 'long enough 123' })).resolves.toEqual({
        reset: true,
      });
    });
  });

  describe('a generated password', () => {
    it('must be changed at the first sign-in: nothing else is allowed until then', async () => {
      const fresh = await createTestApi(kind);
      try {
        const bootstrap = await ensureAdmin(fresh.deps.db, {});
        const generated = bootstrap.created?.generatedPassword ?? '';
        expect(generated.length).toBeGreaterThan(16);
        const session = await fresh.caller.auth.signIn({ username: 'admin', password: generated, mode: 'token' });
        expect(session.user.mustChangePassword).toBe(true);
        const ctx = await createRequestContext(fresh.deps, {
          requestId: 'test',
          ip: null,
          cookieHeader: null,
          authorization: `Bearer ${session.token}`,
          connectionToken: null,
          cookies: null,
        });
        const admin = fresh.callerAs({ user: ctx.user });
        await expect(admin.admin.users.list({})).rejects.toMatchObject({
          code: 'FORBIDDEN',
          message: 'Choose a new password first: this account is still on a generated one',
        });
        await expect(admin.account.standing()).rejects.toMatchObject({ code: 'FORBIDDEN' });
        // Who am I still answers, so the dashboard can ask for the new password.
        await expect(admin.auth.me()).resolves.toMatchObject({ username: 'admin', mustChangePassword: true });
        await admin.auth.changePassword({ currentPassword: generated, newPassword: 'my own admin secret' });
        const again = await fresh.caller.auth.signIn({
          username: 'admin',
          password: 'my own admin secret',
          mode: 'token',
        });
        expect(again.user.mustChangePassword).toBe(false);
        const next = await createRequestContext(fresh.deps, {
          requestId: 'test',
          ip: null,
          cookieHeader: null,
          authorization: `Bearer ${again.token}`,
          connectionToken: null,
          cookies: null,
        });
        await expect(fresh.callerAs({ user: next.user }).admin.users.list({})).resolves.toBeTruthy();
      } finally {
        await fresh.close();
      }
    });

    it('from ADMIN_PASSWORD needs no change', async () => {
      const fresh = await createTestApi(kind);
      try {
        await ensureAdmin(fresh.deps.db, { username: 'ops', password: 'chosen by the operator' });
        const session = await fresh.caller.auth.signIn({
          username: 'ops',
          password: 'chosen by the operator',
          mode: 'token',
        });
        expect(session.user.mustChangePassword).toBe(false);
      } finally {
        await fresh.close();
      }
    });
  });

  describe('the operator on the server', () => {
    it('resets a locked-out account: a generated password, every session ended, a change forced', async () => {
      const { user, tokens } = await signUp('locked_out');
      const pending = await adminCaller.admin.users.issueResetToken({ userId: user.id });
      const reset = await resetPasswordAsOperator(t.deps.db, '  Locked_Out ');
      expect(reset).toMatchObject({ userId: user.id, username: 'locked_out', role: 'user', sessionsEnded: 3 });
      for (const session of tokens) await expect(identityOf(session)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      // A token handed out before is no good any more.
      await expect(
        t.caller.auth.resetPassword({ token: pending.token, password: 'something else 1' }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      const session = await t.caller.auth.signIn({ username: 'locked_out', password: reset.password, mode: 'token' });
      expect(session.user.mustChangePassword).toBe(true);
      const caller = await callerWithToken(session.token ?? '');
      await expect(caller.notifications.unreadCount()).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const [audit] = await t.deps.db
        .select()
        .from(schema.auditLog)
        .where(eq(schema.auditLog.action, 'user.passwordResetByOperator'));
      expect(audit).toMatchObject({ targetId: user.id, actorUserId: null });
      await expect(resetPasswordAsOperator(t.deps.db, 'nobody_here')).rejects.toBeInstanceOf(UnknownUserError);
    });
  });
});
