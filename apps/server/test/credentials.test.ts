/**
 * Credentials on long-lived connections, against the real server on both databases: a session
 * or an API key that is revoked, rotated away, expired, banned or demoted stops working on the
 * WebSocket and SSE connections opened with it — the open subscriptions end with the reason, the
 * next call on the socket is refused, and the socket is closed although it answers pings.
 */
import { createClient } from '@goated/client';
import { schema } from '@goated/db';
import { waitFor } from '@goated/testing';
import { createTestDb, testBackends } from '@goated/testing/db';
import { startTestServer, TEST_ADMIN, type TestServer } from '@goated/testing/server';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Frame, type SignedSocket, signedSocket, sseStream } from './credential-helpers';

const PASSWORD = 'correct horse battery';
const LOGS = 'logs.onLog';

function errorCode(frame: Frame): string | undefined {
  return frame.error?.data?.code;
}

describe.each(testBackends())('credentials on open connections on %s', (kind) => {
  let t: TestServer;
  let admin: ReturnType<typeof createClient>;
  const sockets: SignedSocket[] = [];

  beforeAll(async () => {
    if (kind === 'pglite') await (await createTestDb(kind)).close();
    // A short database re-check so the tests of what only the database knows stay quick.
    t = await startTestServer(kind, { CREDENTIAL_RECHECK_MS: '300', RATE_LIMIT_MUTATIONS_PER_MIN: '1000' });
    const { token } = await t.client.api.auth.signIn.mutate({ ...TEST_ADMIN, mode: 'token' });
    admin = createClient({ url: t.url, token: token ?? '' });
  });
  afterAll(async () => {
    for (const s of sockets) s.socket.terminate();
    await admin?.close();
    await t?.close();
  });

  async function open(token: string): Promise<SignedSocket> {
    const socket = await signedSocket(t.url, token);
    sockets.push(socket);
    return socket;
  }

  /** A socket with the admin log stream running on it (id 1). */
  async function watchingLogs(token: string): Promise<SignedSocket> {
    const socket = await open(token);
    socket.call(1, 'subscription', LOGS, {});
    await socket.frame(1, (f) => f.result?.type === 'started');
    return socket;
  }

  async function newUser(name: string, role: 'user' | 'admin' = 'user') {
    const { user } = await t.client.api.auth.signUp.mutate({ username: name, password: PASSWORD, mode: 'token' });
    if (role === 'admin') await admin.api.admin.users.update.mutate({ userId: user.id, role: 'admin' });
    const { token } = await t.client.api.auth.signIn.mutate({ username: name, password: PASSWORD, mode: 'token' });
    return { user, token: token ?? '' };
  }

  it('a revoked admin key: its stream ends, its next call on the socket is refused, and the socket closes although it answers pings', async () => {
    const { key, apiKey } = await admin.api.admin.apiKeys.create.mutate({ name: 'ops', scopes: ['admin'] });
    const socket = await watchingLogs(key);
    socket.call(2, 'mutation', 'admin.apiKeys.create', { name: 'made on the socket', scopes: ['admin'] });
    expect((await socket.reply(2)).result?.type).toBe('data');

    await admin.api.admin.apiKeys.revoke.mutate({ id: apiKey.id });
    expect(await socket.ended(1)).toEqual({ message: 'This API key is revoked', data: { code: 'UNAUTHORIZED' } });
    socket.call(3, 'mutation', 'admin.apiKeys.create', { name: 'after the revocation', scopes: ['admin'] });
    expect(errorCode(await socket.reply(3))).toBe('UNAUTHORIZED');
    // `ws` answers the server's pings by itself: the socket is closed anyway.
    expect(await socket.closed).toMatchObject({ code: 1008, reason: 'credential ended: revoked' });
    const keys = await admin.api.admin.apiKeys.list.query();
    expect(keys.some((k) => k.name === 'after the revocation')).toBe(false);
  });

  it('a revoked bot key cannot issue a password-reset token on its open socket', async () => {
    const { user } = await newUser('linked_victim');
    await t.db.db
      .update(schema.users)
      .set({ telegramId: 55_001, telegramConfirmedAt: new Date() })
      .where(eq(schema.users.id, user.id));
    const { key, apiKey } = await admin.api.admin.apiKeys.create.mutate({ name: 'bot', scopes: ['bot'] });
    const socket = await open(key);
    socket.call(1, 'subscription', 'telegram.onNotification');
    await socket.frame(1, (f) => f.result?.type === 'started');
    await admin.api.admin.apiKeys.revoke.mutate({ id: apiKey.id });
    expect((await socket.ended(1)).data?.code).toBe('UNAUTHORIZED');
    socket.call(2, 'mutation', 'telegram.issueResetToken', { telegramId: 55_001 });
    const refused = await socket.reply(2);
    expect(refused.error).toMatchObject({ message: 'This API key is revoked', data: { code: 'UNAUTHORIZED' } });
    const tokens = await t.db.db
      .select()
      .from(schema.passwordResetTokens)
      .where(eq(schema.passwordResetTokens.userId, user.id));
    expect(tokens).toEqual([]);
  });

  it('a key rotated with no grace ends its sockets at once; the new key connects', async () => {
    const { key, apiKey } = await admin.api.admin.apiKeys.create.mutate({ name: 'rotating', scopes: ['read'] });
    const socket = await watchingLogs(key);
    const rotated = await admin.api.admin.apiKeys.rotate.mutate({ id: apiKey.id, graceHours: 0 });
    expect(await socket.ended(1)).toMatchObject({ message: 'This API key is rotated' });
    const fresh = await watchingLogs(rotated.key);
    fresh.call(2, 'query', 'admin.stats');
    expect((await fresh.reply(2)).result?.type).toBe('data');
  });

  it('a key ends its socket at its expiry, by the clock', async () => {
    const expiresAt = new Date(Date.now() + 2500);
    const { key } = await admin.api.admin.apiKeys.create.mutate({ name: 'short', scopes: ['read'], expiresAt });
    const socket = await watchingLogs(key);
    socket.call(2, 'query', 'admin.stats');
    expect((await socket.reply(2)).result?.type).toBe('data');
    const ended = await socket.ended(1, 20_000);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt.getTime());
    expect(ended).toEqual({ message: 'This API key is expired', data: { code: 'UNAUTHORIZED' } });
  });

  it('an SSE stream opened with a key ends when the key is revoked', async () => {
    const { key, apiKey } = await admin.api.admin.apiKeys.create.mutate({ name: 'sse reader', scopes: ['read'] });
    const stream = await sseStream(t.url, LOGS, {}, key);
    try {
      await waitFor(() => stream.events.length > 0, { label: 'the stream to open' });
      await admin.api.admin.apiKeys.revoke.mutate({ id: apiKey.id });
      await stream.ended;
      const last = stream.events.at(-1);
      expect(last?.event).toBe('serialized-error');
      expect(last?.data).toContain('This API key is revoked');
    } finally {
      stream.close();
    }
  });

  it('a session signed out elsewhere ends its streams, the shared leaderboard stream included', async () => {
    const { token } = await newUser('two_devices');
    const socket = await open(token);
    socket.call(1, 'subscription', 'leaderboard.onUpdate', { period: 'month' });
    socket.call(2, 'subscription', 'notifications.onNotify');
    await socket.frame(1, (f) => f.result?.type === 'started');
    await socket.frame(2, (f) => f.result?.type === 'started');
    await createClient({ url: t.url, token }).api.auth.signOut.mutate();
    expect((await socket.ended(2)).data?.code).toBe('UNAUTHORIZED');
    expect((await socket.ended(1)).data?.code).toBe('UNAUTHORIZED');
    socket.call(3, 'query', 'auth.me');
    expect(errorCode(await socket.reply(3))).toBe('UNAUTHORIZED');
  });

  it('a session that expired ends its socket: the database re-check finds it', async () => {
    const { user, token } = await newUser('time_is_up');
    const socket = await open(token);
    socket.call(1, 'subscription', 'notifications.onNotify');
    await socket.frame(1, (f) => f.result?.type === 'started');
    await t.db.db
      .update(schema.sessions)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(schema.sessions.userId, user.id));
    expect(await socket.ended(1)).toEqual({
      message: 'Your session has ended; sign in again',
      data: { code: 'UNAUTHORIZED' },
    });
  });

  it('demoting an admin ends their session’s streams and suspends their keys on every transport', async () => {
    const { user, token } = await newUser('soon_demoted', 'admin');
    const own = createClient({ url: t.url, token });
    const { key } = await own.api.admin.apiKeys.create.mutate({ name: 'made by soon_demoted', scopes: ['admin'] });
    await own.close();
    const session = await watchingLogs(token);
    const keySocket = await watchingLogs(key);
    const stream = await sseStream(t.url, LOGS, {}, key);
    try {
      await waitFor(() => stream.events.length > 0, { label: 'the stream to open' });
      await admin.api.admin.users.update.mutate({ userId: user.id, role: 'user' });

      expect((await session.ended(1)).data?.code).toBe('UNAUTHORIZED');
      expect(await keySocket.ended(1)).toEqual({
        message: 'This API key is suspended: its owner no longer has the rights behind it',
        data: { code: 'UNAUTHORIZED' },
      });
      keySocket.call(2, 'mutation', 'admin.users.update', { userId: user.id, role: 'admin' });
      expect(errorCode(await keySocket.reply(2))).toBe('UNAUTHORIZED');
      await stream.ended;
      expect(stream.events.at(-1)?.data).toContain('suspended');
      // Over HTTP too, and for good: the key does not come back with the role.
      const script = createClient({ url: t.url, token: key });
      await expect(script.api.admin.users.update.mutate({ userId: user.id, role: 'admin' })).rejects.toMatchObject({
        data: { code: 'UNAUTHORIZED' },
      });
      await admin.api.admin.users.update.mutate({ userId: user.id, role: 'admin' });
      await expect(script.api.admin.stats.query()).rejects.toMatchObject({ message: 'This API key is suspended' });
      await script.close();
      const listed = (await admin.api.admin.apiKeys.list.query()).find((k) => k.name === 'made by soon_demoted');
      expect(listed).toMatchObject({ status: 'suspended', suspendedReason: 'owner-demoted', owner: { id: user.id } });
      const { entries } = await admin.api.admin.audit.list.query({ action: 'apiKey.suspend' });
      expect(entries[0]).toMatchObject({ targetId: String(listed?.id), details: { reason: 'owner-demoted' } });
    } finally {
      stream.close();
    }
  });

  it('a banned admin’s key cannot unban them', async () => {
    const { user, token } = await newUser('soon_banned', 'admin');
    const own = createClient({ url: t.url, token });
    const { key } = await own.api.admin.apiKeys.create.mutate({ name: 'escape hatch', scopes: ['admin'] });
    await own.close();
    const socket = await watchingLogs(key);
    await admin.api.admin.users.update.mutate({ userId: user.id, banned: true });
    expect((await socket.ended(1)).data?.code).toBe('UNAUTHORIZED');
    const script = createClient({ url: t.url, token: key });
    await expect(script.api.admin.users.update.mutate({ userId: user.id, banned: false })).rejects.toMatchObject({
      message: 'This API key is suspended',
    });
    await script.close();
    const [row] = await t.db.db.select().from(schema.users).where(eq(schema.users.id, user.id));
    expect(row?.banned).toBe(true);
  });
});
