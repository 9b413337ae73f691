/**
 * The notification inbox and preferences on both databases: stored, counted, marked read,
 * sent per kind and channel as the user chose, replayed to a reconnecting bot.
 */
import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvents, SessionUser } from '../src/server';
import { notify } from '../src/services/notifications/notify';
import { telegramNotifications } from '../src/services/notifications/telegram-delivery';
import { type Caller, createTestApi, insertUser, type TestApi } from './fixtures';

const { users, notifications } = schema;

describe.each(testBackends())('notifications on %s', (kind) => {
  let t: TestApi;
  let n = 0;

  async function newUser(telegramId?: number) {
    const user = await insertUser(t.deps.db, { username: `reader_${++n}` });
    if (telegramId)
      await t.deps.db.update(users).set({ telegramId, telegramConfirmedAt: new Date() }).where(eq(users.id, user.id));
    return { user, caller: t.callerAs({ user }) };
  }

  function claimNotice(title: string) {
    return { kind: 'claims' as const, type: 'claim.approved', title, body: `${title}!`, link: '/profile' };
  }

  beforeAll(async () => {
    t = await createTestApi(kind);
  });
  afterAll(() => t.close());

  it('stores notifications: newest first, an unread count, mark some or all read', async () => {
    const { user, caller } = await newUser();
    const { user: other } = await newUser();
    for (const title of ['one', 'two', 'three']) await notify(t.deps, user.id, claimNotice(title));
    const mine = await notify(t.deps, other.id, claimNotice('not yours'));

    expect(await caller.notifications.unreadCount()).toBe(3);
    const page = await caller.notifications.list({ limit: 2 });
    expect(page.notifications.map((x) => x.title)).toEqual(['three', 'two']);
    expect(page.unread).toBe(3);
    expect(page.notifications[0]).toMatchObject({
      kind: 'claims',
      type: 'claim.approved',
      link: '/profile',
      readAt: null,
    });
    const rest = await caller.notifications.list({ limit: 2, cursor: page.nextCursor });
    expect(rest.notifications.map((x) => x.title)).toEqual(['one']);
    expect(rest.nextCursor).toBeNull();

    const [newest] = page.notifications;
    // Another user's id is silently not mine to mark.
    expect(await caller.notifications.markRead({ ids: [newest?.id ?? 0, mine?.id ?? 0] })).toEqual({
      marked: 1,
      unread: 2,
    });
    expect((await caller.notifications.list({ unreadOnly: true })).notifications.map((x) => x.title)).toEqual([
      'two',
      'one',
    ]);
    expect(await caller.notifications.markRead({ all: true })).toEqual({ marked: 2, unread: 0 });
    expect(await t.callerAs({ user: other }).notifications.unreadCount()).toBe(1);
    await expect(caller.notifications.markRead({ ids: [] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('pushes each new notification to its user at once, with its inbox id', async () => {
    const { user, caller } = await newUser();
    const feed = await caller.notifications.onNotify();
    const next = (async () => {
      for await (const event of feed) return event;
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const stored = await notify(t.deps, user.id, claimNotice('live'));
    expect(await next).toMatchObject({ id: stored?.id, userId: user.id, title: 'live', web: true });
  });

  it('has every kind on by default, for the web and Telegram; security notices cannot be turned off', async () => {
    const { caller } = await newUser();
    const prefs = await caller.notifications.preferences();
    expect(prefs.telegramLinked).toBe(false);
    expect(prefs.kinds.map((k) => [k.kind, k.web, k.telegram, k.required])).toEqual([
      ['racePosition', true, true, false],
      ['raceResults', true, true, false],
      ['tier', true, true, false],
      ['claims', true, true, false],
      ['challenges', true, true, false],
      ['announcements', true, true, false],
      ['account', true, true, true],
    ]);
    await expect(
      caller.notifications.setPreferences({ preferences: [{ kind: 'account', telegram: false }] }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'preferences.0.telegram: Account and security cannot be turned off',
    });
    await expect(
      caller.notifications.setPreferences({ preferences: [{ kind: 'nonsense' as 'claims', web: false }] }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    // Operations alerts are an admins' kind: a player neither sees nor sets them, nor gets one.
    await expect(
      caller.notifications.setPreferences({ preferences: [{ kind: 'operations', web: false }] }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'preferences.0.kind: Operations alerts are for admins only',
    });
  });

  it('gives admins the operations kind, and never delivers it to a player', async () => {
    const admin = await insertUser(t.deps.db, { role: 'admin' });
    const adminPrefs = await t.callerAs({ user: admin }).notifications.preferences();
    expect(adminPrefs.kinds.map((k) => k.kind)).toContain('operations');
    const { user } = await newUser();
    const alert = { kind: 'operations', type: 'upstream.auth', title: 'feed', body: 'refused' } as const;
    expect(await notify(t.deps, user.id, alert)).toBeNull();
    expect(await notify(t.deps, admin.id, alert)).toMatchObject({ kind: 'operations', type: 'upstream.auth' });
  });

  it('respects the choices: web off keeps it out of the inbox, both off stores nothing', async () => {
    const { user, caller } = await newUser(880_001);
    const changed = await caller.notifications.setPreferences({
      preferences: [
        { kind: 'claims', web: false },
        { kind: 'racePosition', web: false, telegram: false },
      ],
    });
    expect(changed.kinds.find((k) => k.kind === 'claims')).toMatchObject({ web: false, telegram: true });
    const events: AppEvents['user.notification'][] = [];
    const stop = t.deps.bus.subscribe('user.notification', (e) => events.push(e));
    try {
      const telegramOnly = await notify(t.deps, user.id, claimNotice('to Telegram only'));
      const nothing = await notify(t.deps, user.id, {
        kind: 'racePosition',
        type: 'race.position',
        title: 'moved',
        body: '',
      });
      expect(telegramOnly).toMatchObject({ title: 'to Telegram only' });
      expect(nothing).toBeNull();
    } finally {
      stop();
    }
    expect(events.map((e) => [e.title, e.web, e.telegram])).toEqual([['to Telegram only', false, true]]);
    expect((await caller.notifications.list()).notifications).toEqual([]);
    expect(await caller.notifications.unreadCount()).toBe(0);
    // Telegram off, web on: in the inbox, never to the bot.
    await caller.notifications.setPreferences({ preferences: [{ kind: 'claims', web: true, telegram: false }] });
    await notify(t.deps, user.id, claimNotice('web only'));
    const [row] = await t.deps.db.select().from(notifications).where(eq(notifications.title, 'web only'));
    expect(row).toMatchObject({ web: true, telegram: false });
  });

  it('never sends to Telegram without a linked account, nor to a banned user at all', async () => {
    const { user } = await newUser();
    const stored = await notify(t.deps, user.id, claimNotice('web'));
    const [row] = await t.deps.db
      .select()
      .from(notifications)
      .where(eq(notifications.id, stored?.id ?? 0));
    expect(row).toMatchObject({ web: true, telegram: false });
    await t.deps.db.update(users).set({ banned: true }).where(eq(users.id, user.id));
    expect(await notify(t.deps, user.id, claimNotice('banned'))).toBeNull();
  });

  it('feeds the bot what is for Telegram, and after a reconnect what it missed', async () => {
    const { user, caller } = await newUser(880_002);
    const abort = new AbortController();
    const feed = telegramNotifications(t.deps, null, abort.signal);
    const first = feed.next();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await caller.notifications.setPreferences({ preferences: [{ kind: 'racePosition', telegram: false }] });
    await notify(t.deps, user.id, { kind: 'racePosition', type: 'race.position', title: 'web only', body: '' });
    const sent = await notify(t.deps, user.id, claimNotice('for the bot'));
    const envelope = (await first).value;
    expect(envelope?.[0]).toBe(String(sent?.id));
    expect(envelope?.[1]).toMatchObject({ id: sent?.id, telegramId: 880_002, title: 'for the bot', link: '/profile' });
    abort.abort();
    await feed.return(undefined);

    // Stored while the bot was away: replayed from its last id, in order, then live again.
    const missed = [];
    for (const title of ['missed 1', 'missed 2']) missed.push(await notify(t.deps, user.id, claimNotice(title)));
    const again = new AbortController();
    const replay = telegramNotifications(t.deps, String(sent?.id), again.signal);
    const replayed = [(await replay.next()).value, (await replay.next()).value];
    expect(replayed.map((e) => e?.[1].title)).toEqual(['missed 1', 'missed 2']);
    expect(replayed.map((e) => e?.[0])).toEqual(missed.map((m) => String(m?.id)));
    again.abort();
    await replay.return(undefined);
  });

  it('asks a signed-out caller to sign in', async () => {
    await expect(t.caller.notifications.unreadCount()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(t.caller.notifications.preferences()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('stores an announcement in every inbox that wants it, and leaves out of the broadcast who turned Telegram off', async () => {
    const admin: SessionUser = await insertUser(t.deps.db, { username: 'announcer', role: 'admin' });
    await t.deps.db
      .update(users)
      .set({ telegramId: 880_100, telegramConfirmedAt: new Date() })
      .where(eq(users.id, admin.id));
    const created = await t.callerAs({ user: admin }).admin.apiKeys.create({ name: 'bot', scopes: ['bot'] });
    const bot: Caller = t.callerAs({
      apiKey: { id: created.apiKey.id, name: 'bot', scopes: ['bot'], ownerId: admin.id },
    });
    const { user: quiet, caller: quietCaller } = await newUser(880_101);
    const { user: eager, caller: eagerCaller } = await newUser(880_102);
    await quietCaller.notifications.setPreferences({
      preferences: [{ kind: 'announcements', telegram: false, web: false }],
    });
    const planned = await bot.telegram.broadcast({ requesterTelegramId: 880_100, text: 'Race night!' });
    expect(planned.recipients).toContain(880_102);
    expect(planned.recipients).not.toContain(880_101);
    expect((await eagerCaller.notifications.list()).notifications[0]).toMatchObject({
      kind: 'announcements',
      title: 'Announcement',
      body: 'Race night!',
    });
    expect((await quietCaller.notifications.list()).notifications.map((x) => x.kind)).not.toContain('announcements');
    // Delivered by the broadcast itself, so never replayed by the notification feed.
    const rows = await t.deps.db.select().from(notifications).where(eq(notifications.userId, eager.id));
    expect(rows.filter((r) => r.kind === 'announcements').map((r) => r.telegram)).toEqual([false]);
    expect(quiet.id).not.toBe(eager.id);
  });
});
