import { schema } from '@goated/db';
import { fullHealth } from '@goated/testing';
import { testBackends } from '@goated/testing/db';
import { type FakeUpstream, startFakeUpstream, upstreamRecord } from '@goated/testing/upstream';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppEvents, SimulatedUpstream, SyncService } from '../src/server';
import { watchUpstreamAuth } from '../src/services/upstream/alerts';
import { ConfiguredUpstream } from '../src/services/upstream/source';
import { createTestApi, insertUser, type TestApi } from './fixtures';

const { auditLog } = schema;
const http = { timeoutMs: 2000, retries: 0, retryBaseMs: 1, maxPages: 10 };

describe.each(testBackends())('the upstream under the admins’ control on %s', (kind) => {
  let t: TestApi;
  let feed: FakeUpstream;
  let sync: SyncService;
  const notified: AppEvents['user.notification'][] = [];

  beforeAll(async () => {
    t = await createTestApi(kind);
    feed = await startFakeUpstream();
    // The server's wiring: the environment names no feed (the simulator), admins may set one.
    t.deps.upstream = { fallback: null, http };
    const simulator = new SimulatedUpstream({ players: 3 });
    const upstream = new ConfiguredUpstream({ db: t.deps.db, fallback: null, http, simulator });
    sync = new SyncService({
      db: t.deps.db,
      bus: t.deps.bus,
      source: simulator,
      resolveSource: () => upstream.resolve(),
    });
    t.deps.bus.subscribe('user.notification', (event) => notified.push(event));
  });
  afterAll(async () => {
    await feed.close();
    await t.close();
  });

  it('keeps the token write-only, tests a feed without applying anything, and uses new settings on the next run', async () => {
    const admin = await insertUser(t.deps.db, { role: 'admin' });
    const api = t.callerAs({ user: admin, ip: '192.0.2.9' });
    expect(await api.admin.upstream.get()).toMatchObject({ source: 'simulator', url: null, token: { set: false } });

    feed.reply({
      json: { success: true, data: [upstreamRecord('u1', '10.00', new Date().toISOString()), { uid: 7 }] },
    });
    const tested = await api.admin.upstream.test({ url: feed.url, token: 'first-token-1234' });
    expect(tested).toMatchObject({ ok: true, status: 200, records: 2, valid: 1 });
    expect(tested.rejected).toHaveLength(1);
    expect(feed.requests.at(-1)?.authorization).toBe('Bearer first-token-1234');
    const [noPlayers] = await t.deps.db.select().from(schema.players).where(eq(schema.players.uid, 'u1'));
    expect(noPlayers).toBeUndefined();

    const saved = await api.admin.upstream.set({ url: feed.url, token: 'first-token-1234' });
    expect(saved).toMatchObject({ source: 'database', url: feed.url, token: { set: true, last4: '1234' } });
    expect(JSON.stringify(saved)).not.toContain('first-token');

    feed.reply({ json: [upstreamRecord('u1', '10.00', new Date().toISOString())] });
    const run = await sync.runOnce('manual');
    expect(run).toMatchObject({ status: 'succeeded', recordsOut: 1, source: `http:${new URL(feed.url).host}` });
    expect(feed.requests.at(-1)?.authorization).toBe('Bearer first-token-1234');

    // A new token, kept URL: the very next run sends it.
    await api.admin.upstream.set({ url: feed.url, token: 'second-token-9876' });
    await sync.runOnce('manual');
    expect(feed.requests.at(-1)?.authorization).toBe('Bearer second-token-9876');

    const audit = await t.deps.db.select().from(auditLog).where(eq(auditLog.targetType, 'upstream'));
    expect(audit.map((a) => a.action)).toEqual(['upstream.test', 'upstream.set', 'upstream.set']);
    expect(audit.every((a) => a.ip === '192.0.2.9')).toBe(true);
    expect(JSON.stringify(audit.map((a) => a.details))).not.toMatch(/first-token|second-token/);
  });

  it('raises one admin alert and a health warning for a refused token, not one per run, and clears it when fixed', async () => {
    const admins = [await insertUser(t.deps.db, { role: 'admin' }), await insertUser(t.deps.db, { role: 'admin' })];
    notified.length = 0;
    feed.reply({ status: 401, json: { error: 'token expired' } });
    for (let run = 0; run < 3; run++) {
      const result = await sync.runOnce('schedule');
      expect(result).toMatchObject({ status: 'failed', upstreamStatus: 401 });
      await watchUpstreamAuth(t.deps, result);
    }
    const alerts = notified.filter((n) => n.type === 'upstream.auth');
    // One per admin (every admin in this database), once.
    const adminCount = (await t.deps.db.select().from(schema.users).where(eq(schema.users.role, 'admin'))).length;
    expect(alerts).toHaveLength(adminCount);
    expect(new Set(alerts.map((a) => a.userId))).toEqual(
      new Set((await t.deps.db.select().from(schema.users).where(eq(schema.users.role, 'admin'))).map((u) => u.id)),
    );
    expect(admins.every((a) => alerts.some((n) => n.userId === a.id))).toBe(true);
    // Stored in each admin's inbox (the bell, and the bot's replay), linking to the fix.
    const inbox = await t.callerAs({ user: admins[0] }).notifications.list({});
    expect(inbox.notifications.filter((n) => n.type === 'upstream.auth')).toEqual([
      expect.objectContaining({ kind: 'operations', link: '/admin/upstream', readAt: null }),
    ]);
    expect(fullHealth(await t.callerAs({ user: admins[0] }).health.status()).upstream).toMatchObject({
      authFailing: true,
      status: 401,
    });
    // The feed's state (its URL is in the error text) is not for anonymous callers.
    expect(await t.caller.health.status()).not.toHaveProperty('upstream');

    feed.reply({ json: [upstreamRecord('u2', '5.00', new Date().toISOString())] });
    expect(await watchUpstreamAuth(t.deps, await sync.runOnce('schedule'))).toBe('cleared');
    expect(fullHealth(await t.callerAs({ user: admins[0] }).health.status()).upstream.authFailing).toBe(false);

    // A later outage is a new one: alerted again, once.
    notified.length = 0;
    feed.reply({ status: 403, json: {} });
    for (let run = 0; run < 2; run++) await watchUpstreamAuth(t.deps, await sync.runOnce('schedule'));
    expect(notified.filter((n) => n.type === 'upstream.auth')).toHaveLength(adminCount);
  });

  it('goes back to the default when the stored URL is removed', async () => {
    const admin = await insertUser(t.deps.db, { role: 'admin' });
    const api = t.callerAs({ user: admin });
    const view = await api.admin.upstream.set({ url: null, token: null });
    expect(view).toMatchObject({ source: 'simulator', storedUrl: null, token: { set: false } });
    expect((await sync.currentSource()).name).toBe('simulator');
    await expect(api.admin.upstream.set({ url: 'ftp://example.com/feed' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });
});
