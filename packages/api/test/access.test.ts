import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimits, type SessionUser } from '../src/server';
import { type Caller, createTestApi, insertUser, type TestApi } from './fixtures';

const GOOD_PASSWORD = 'correct horse battery';

describe.each(testBackends())('API keys, admin users and bans on %s', (kind) => {
  let t: TestApi;
  let admin: SessionUser;
  let adminCaller: Caller;

  const contextFor = (token: string) => t.bearerContext(token);

  beforeAll(async () => {
    t = await createTestApi(kind);
    admin = await insertUser(t.deps.db, { username: 'the_admin', role: 'admin' });
    adminCaller = t.callerAs({ user: admin });
  });
  afterAll(() => t.close());

  describe('API keys', () => {
    it('shows a new key once and stores only its hash', async () => {
      const created = await adminCaller.admin.apiKeys.create({ name: 'ingest job', scopes: ['ingest', 'ingest'] });
      expect(created.key).toMatch(/^gvk_/);
      expect(created.apiKey).toMatchObject({ name: 'ingest job', scopes: ['ingest'], status: 'active' });
      expect(created.key.startsWith(created.apiKey.prefix)).toBe(true);
      const listed = await adminCaller.admin.apiKeys.list();
      expect(JSON.stringify(listed)).not.toContain(created.key);
      const [row] = await t.deps.db.select().from(schema.apiKeys).where(eq(schema.apiKeys.id, created.apiKey.id));
      expect(row?.keyHash).not.toContain(created.key);
    });

    it('authenticates with a key and records when it was used', async () => {
      const { key, apiKey } = await adminCaller.admin.apiKeys.create({ name: 'reader', scopes: ['read'] });
      const ctx = await contextFor(key);
      expect(ctx.apiKey).toEqual({ id: apiKey.id, name: 'reader', scopes: ['read'], ownerId: admin.id });
      const [row] = await t.deps.db.select().from(schema.apiKeys).where(eq(schema.apiKeys.id, apiKey.id));
      expect(row?.lastUsedAt).toBeInstanceOf(Date);
    });

    it('refuses an unknown, a revoked and an expired key', async () => {
      await expect(contextFor('gvk_not-a-real-key')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      const revoked = await adminCaller.admin.apiKeys.create({ name: 'old', scopes: ['bot'] });
      await adminCaller.admin.apiKeys.revoke({ id: revoked.apiKey.id });
      await expect(contextFor(revoked.key)).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
        message: 'This API key is revoked',
      });
      const expiring = await adminCaller.admin.apiKeys.create({
        name: 'short-lived',
        scopes: ['bot'],
        expiresAt: new Date(Date.now() + 60_000),
      });
      await t.deps.db
        .update(schema.apiKeys)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(schema.apiKeys.id, expiring.apiKey.id));
      await expect(contextFor(expiring.key)).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
        message: 'This API key is expired',
      });
    });

    it('refuses an expiry in the past with the field named', async () => {
      await expect(
        adminCaller.admin.apiKeys.create({ name: 'x', scopes: ['bot'], expiresAt: new Date(Date.now() - 1000) }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('expiresAt') });
      await expect(adminCaller.admin.apiKeys.create({ name: 'x', scopes: [] })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringContaining('scopes'),
      });
    });

    it('rotates: the old key works during the grace period, not after', async () => {
      const original = await adminCaller.admin.apiKeys.create({ name: 'bot', scopes: ['bot'] });
      const rotated = await adminCaller.admin.apiKeys.rotate({ id: original.apiKey.id, graceHours: 1 });
      expect(rotated.key).not.toBe(original.key);
      expect(rotated.apiKey.scopes).toEqual(['bot']);
      expect((await contextFor(original.key)).apiKey?.id).toBe(original.apiKey.id);
      expect((await contextFor(rotated.key)).apiKey?.id).toBe(rotated.apiKey.id);
      const states = await adminCaller.admin.apiKeys.list();
      expect(states.find((k) => k.id === original.apiKey.id)?.status).toBe('grace');
      await expect(adminCaller.admin.apiKeys.rotate({ id: original.apiKey.id })).rejects.toMatchObject({
        code: 'CONFLICT',
      });

      await t.deps.db
        .update(schema.apiKeys)
        .set({ graceUntil: new Date(Date.now() - 1000) })
        .where(eq(schema.apiKeys.id, original.apiKey.id));
      await expect(contextFor(original.key)).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
        message: 'This API key is rotated',
      });
      expect((await contextFor(rotated.key)).apiKey?.id).toBe(rotated.apiKey.id);
    });

    it('audits every key event', async () => {
      const { entries } = await adminCaller.admin.audit.list({ limit: 200 });
      const actions = new Set(entries.map((e) => e.action));
      for (const action of ['apiKey.create', 'apiKey.rotate', 'apiKey.revoke', 'apiKey.denied']) {
        expect(actions).toContain(action);
      }
      const create = entries.find((e) => e.action === 'apiKey.create');
      expect(create).toMatchObject({ actorUserId: admin.id, actorUsername: 'the_admin', targetType: 'apiKey' });
    });

    it('lets an admin-scoped key act as an admin, audited as the key', async () => {
      const { key, apiKey } = await adminCaller.admin.apiKeys.create({ name: 'ops script', scopes: ['admin'] });
      const ctx = await contextFor(key);
      const script = t.callerAs({ apiKey: ctx.apiKey });
      const { key: minted } = await script.admin.apiKeys.create({ name: 'minted', scopes: ['bot'] });
      expect(minted).toMatch(/^gvk_/);
      const { entries } = await adminCaller.admin.audit.list({ action: 'apiKey.create', limit: 1 });
      expect(entries[0]).toMatchObject({ actorUserId: null, actorApiKeyId: apiKey.id });
    });
  });

  describe('admin user management', () => {
    it('lists users with search, filters and pagination', async () => {
      for (const name of ['zed_one', 'zed_two', 'zed_three']) await insertUser(t.deps.db, { username: name });
      const first = await adminCaller.admin.users.list({ search: 'ZED', limit: 2 });
      expect(first.users.map((u) => u.username)).toEqual(['zed_one', 'zed_three']);
      const second = await adminCaller.admin.users.list({ search: 'zed', limit: 2, cursor: first.nextCursor });
      expect(second.users.map((u) => u.username)).toEqual(['zed_two']);
      expect(second.nextCursor).toBeNull();
      const admins = await adminCaller.admin.users.list({ role: 'admin' });
      expect(admins.users.map((u) => u.username)).toEqual(['the_admin']);
    });

    it('changes a role and refuses to let an admin demote or ban themselves', async () => {
      const user = await insertUser(t.deps.db, { username: 'promoted' });
      const updated = await adminCaller.admin.users.update({ userId: user.id, role: 'admin' });
      expect(updated.role).toBe('admin');
      await expect(adminCaller.admin.users.update({ userId: admin.id, banned: true })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      await expect(adminCaller.admin.users.update({ userId: 'missing', banned: true })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });

    it('applies a bulk action in one transaction and audits each change', async () => {
      const users = await Promise.all(
        ['bulk_a', 'bulk_b', 'bulk_c'].map((u) => insertUser(t.deps.db, { username: u })),
      );
      const result = await adminCaller.admin.users.bulk({ userIds: users.map((u) => u.id), action: 'ban' });
      expect(result.changed).toBe(3);
      const again = await adminCaller.admin.users.bulk({ userIds: users.map((u) => u.id), action: 'ban' });
      expect(again.changed).toBe(0);
      const banned = await adminCaller.admin.users.list({ search: 'bulk_', banned: true });
      expect(banned.users).toHaveLength(3);
      const { entries } = await adminCaller.admin.audit.list({ action: 'user.ban' });
      expect(entries.map((e) => e.targetId).sort()).toEqual(users.map((u) => u.id).sort());
      // A list containing the admin themself is refused as a whole.
      await expect(
        adminCaller.admin.users.bulk({ userIds: [users[0]?.id ?? '', admin.id], action: 'unban' }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      expect((await adminCaller.admin.users.list({ search: 'bulk_', banned: true })).users).toHaveLength(3);
    });
  });

  describe('bans', () => {
    it('refuses a banned user everywhere, and ends their open subscription', async () => {
      await t.caller.auth.signUp({ username: 'troublemaker', password: GOOD_PASSWORD, mode: 'token' });
      const { token, user } = await t.caller.auth.signIn({
        username: 'troublemaker',
        password: GOOD_PASSWORD,
        mode: 'token',
      });
      const ctx = await contextFor(token ?? '');
      const caller = t.callerAs({ user: ctx.user, apiKey: null });
      // The caller shares the context shape of a WebSocket connection: created once, long-lived.
      const stream = await caller.leaderboard.onUpdate({ period: 'month' });
      const iterator = stream[Symbol.asyncIterator]();
      await iterator.next(); // the snapshot

      const pending = iterator.next();
      await adminCaller.admin.users.update({ userId: user.id, banned: true });
      await expect(pending).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'This account is banned' });

      await expect(caller.auth.me()).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(contextFor(token ?? '')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      await expect(
        t.caller.auth.signIn({ username: 'troublemaker', password: GOOD_PASSWORD, mode: 'token' }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });
  });
});

describe('rate limits', () => {
  const backends: ('memory' | 'redis')[] = process.env.REDIS_URL ? ['memory', 'redis'] : ['memory'];
  if (process.env.CI === 'true' && !process.env.REDIS_URL) {
    throw new Error('CI=true but REDIS_URL is not set: rate limits must be tested with the real Redis.');
  }

  describe.each(backends)('in %s', (store) => {
    let t: TestApi;
    let redis: import('ioredis').Redis | undefined;

    beforeAll(async () => {
      t = await createTestApi('pglite');
      if (store === 'redis') {
        const { Redis } = await import('ioredis');
        redis = new Redis(process.env.REDIS_URL ?? '', { maxRetriesPerRequest: 1 });
      }
      t.deps.rateLimits = createRateLimits({
        redis,
        keyPrefix: `test:${process.pid}:${Math.random().toString(36).slice(2)}`,
        tiers: {
          authIp: { points: 3, durationSeconds: 60 },
          authAccountIp: { points: 100, durationSeconds: 60 },
          query: { points: 5, durationSeconds: 2 },
        },
      });
      expect(t.deps.rateLimits.store).toBe(store);
    });
    afterAll(async () => {
      redis?.disconnect();
      await t.close();
    });

    it('trips on auth attempts with a retry hint', async () => {
      const caller = t.callerAs({});
      for (let i = 0; i < 3; i++) {
        await expect(
          caller.auth.signIn({ username: 'x_user', password: 'wrong', mode: 'token' }),
        ).rejects.toMatchObject({
          code: 'UNAUTHORIZED',
        });
      }
      const limited = await caller.auth
        .signIn({ username: 'x_user', password: 'wrong', mode: 'token' })
        .catch((e: unknown) => e);
      expect(limited).toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringMatching(/retry in \d+ s/) });
    });

    it('limits queries per caller without touching other callers, and recovers after the window', async () => {
      const a = t.callerAs({ user: { id: 'u-a', username: 'a', role: 'user' } });
      const b = t.callerAs({ user: { id: 'u-b', username: 'b', role: 'user' } });
      for (let i = 0; i < 5; i++) await a.leaderboard.top({ period: 'week' });
      await expect(a.leaderboard.top({ period: 'week' })).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
      await expect(b.leaderboard.top({ period: 'week' })).resolves.toMatchObject({ period: 'week' });
      await new Promise((r) => setTimeout(r, 2100));
      await expect(a.leaderboard.top({ period: 'week' })).resolves.toMatchObject({ period: 'week' });
    });
  });
});
