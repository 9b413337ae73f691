/**
 * Claims, notifications and recovery over the wire: the real server (Fastify, the router, a
 * fresh database) and typed clients over HTTP and WebSocket, as the dashboard, the bot and
 * scripts call it. The rules themselves are specified in packages/api/test/claims.test.ts.
 */
import { createClient } from '@goated/client';
import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { startTestServer, TEST_ADMIN, type TestServer } from '@goated/testing/server';
import { TRPCClientError } from '@trpc/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

type Client = ReturnType<typeof createClient>;
const PASSWORD = 'correct horse battery';

/** What a failed call looked like on the wire. */
async function wireError(call: Promise<unknown>) {
  const error = await call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  if (!(error instanceof TRPCClientError)) throw error;
  const data = error.data as {
    code: string;
    httpStatus: number;
    zodIssues: { path: string[]; message: string }[] | null;
  };
  return { message: error.message, code: data.code, status: data.httpStatus, issues: data.zodIssues ?? [] };
}

describe.each(testBackends())('claims and notifications over the wire on %s', (kind) => {
  let t: TestServer;
  let admin: Client;
  const clients: Client[] = [];
  let n = 0;

  async function signUp(): Promise<{ client: Client; id: string; username: string }> {
    const username = `wire_${++n}`;
    const session = await t.client.api.auth.signUp.mutate({ username, password: PASSWORD, mode: 'token' });
    const client = createClient({ url: t.url, token: session.token ?? '' });
    clients.push(client);
    return { client, id: session.user.id, username };
  }

  beforeAll(async () => {
    t = await startTestServer(kind, { RATE_LIMIT_AUTH_PER_MIN: '1000', LEADERBOARD_PUSH_INTERVAL_MS: '50' });
    const session = await t.client.api.auth.signIn.mutate({ ...TEST_ADMIN, mode: 'token' });
    admin = createClient({ url: t.url, token: session.token ?? '' });
    const players = [
      ['w-lucky', 'LuckyGoat'],
      ['w-rich', 'RichRabbit'],
      ['w-shared', 'SharedName'],
      ['w-bot', 'BotGoat'],
    ];
    await t.db.db
      .insert(schema.players)
      .values(
        players.map(([uid = '', name = '']) => ({ uid, name, wagerMonth: '100.00', upstreamUpdatedAt: new Date() })),
      );
  });
  afterAll(async () => {
    for (const client of clients) await client.close();
    await admin?.close();
    await t?.close();
  });

  it('claims by name and by uid, with errors that name the problem and the right HTTP status', async () => {
    const alice = await signUp();
    const bob = await signUp();
    await expect(alice.client.api.account.claimPlayer.mutate({ name: 'luckygoat' })).resolves.toMatchObject({
      status: 'pending',
      player: { uid: 'w-lucky' },
    });
    await expect(bob.client.api.account.claimPlayer.mutate({ uid: 'w-rich' })).resolves.toMatchObject({
      status: 'pending',
    });

    const unknown = await wireError(bob.client.api.account.claimPlayer.mutate({ name: 'Nobody' }));
    expect(unknown).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    expect(unknown.issues).toEqual([
      expect.objectContaining({ path: ['name'], message: expect.stringMatching(/^Name matches no casino player/) }),
    ]);
    expect(await wireError(alice.client.api.account.claimPlayer.mutate({ name: 'RichRabbit' }))).toMatchObject({
      code: 'CONFLICT',
      status: 409,
      message: 'You already have a claim pending for “LuckyGoat”: cancel it before claiming another player',
    });
    const nul = await wireError(bob.client.api.account.claimPlayer.mutate({ name: 'Lucky\u0000Goat' }));
    expect(nul).toMatchObject({ code: 'BAD_REQUEST', status: 400 });
    expect(nul.issues[0]).toMatchObject({
      path: ['name'],
      // A NUL is refused for every procedure before its own schema runs (trpc.ts), with the
      // field's general label.
      message: 'Name must not contain control characters',
    });
    expect(
      await wireError(createClient({ url: t.url }).api.account.claimPlayer.mutate({ name: 'LuckyGoat' })),
    ).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
  });

  it('approves over HTTP and tells the user live over WebSocket; the bell counts it', async () => {
    const carol = await signUp();
    const claim = await carol.client.api.account.claimPlayer.mutate({ name: 'SharedName' });
    let started: () => void = () => {};
    const subscribed = new Promise<void>((resolve) => {
      started = resolve;
    });
    const heard = new Promise<{ type?: string; title: string }>((resolve, reject) => {
      const subscription = carol.client.api.notifications.onNotify.subscribe(undefined, {
        onStarted: () => started(),
        onData: (event) => {
          if (event.type === 'claim.approved') {
            subscription.unsubscribe();
            resolve(event);
          }
        },
        onError: reject,
      });
    });
    await subscribed;
    await admin.api.admin.claims.approve.mutate({ id: claim.id });
    expect(await heard).toMatchObject({ title: 'Claim approved' });
    const standing = await carol.client.api.account.standing.query();
    expect(standing).toMatchObject({ uid: 'w-shared', name: 'SharedName', periods: { month: { wagered: '100.00' } } });
    expect(await carol.client.api.notifications.unreadCount.query()).toBe(2);
    const inbox = await carol.client.api.notifications.list.query({});
    expect(inbox.notifications.map((x) => x.type)).toEqual(['claim.approved', 'claim.submitted']);
    await carol.client.api.notifications.markRead.mutate({ all: true });
    expect(await carol.client.api.notifications.unreadCount.query()).toBe(0);
  });

  it('rejects with the reason, which the user reads in their inbox', async () => {
    const dave = await signUp();
    const claim = await dave.client.api.account.claimPlayer.mutate({ uid: 'w-bot' });
    expect(await wireError(admin.api.admin.claims.reject.mutate({ id: claim.id, reason: '' }))).toMatchObject({
      status: 400,
      issues: [expect.objectContaining({ path: ['reason'], message: 'Reason is required: the user sees it' })],
    });
    await admin.api.admin.claims.reject.mutate({ id: claim.id, reason: 'That account belongs to someone else.' });
    expect(await dave.client.api.account.claim.query()).toMatchObject({
      status: 'rejected',
      reason: 'That account belongs to someone else.',
    });
    const [latest] = (await dave.client.api.notifications.list.query({ unreadOnly: true })).notifications;
    expect(latest?.body).toContain('That account belongs to someone else.');
  });

  it('links exactly one account when two admins approve two claims on one player at once', async () => {
    const second = await signUp();
    await t.db.db.update(schema.users).set({ role: 'admin' }).where(eq(schema.users.id, second.id));
    const other = createClient({
      url: t.url,
      token:
        (await t.client.api.auth.signIn.mutate({ username: second.username, password: PASSWORD, mode: 'token' }))
          .token ?? '',
    });
    clients.push(other);
    for (let round = 0; round < 3; round++) {
      const uid = `w-race-${round}`;
      await t.db.db.insert(schema.players).values({ uid, name: `Race${round}`, upstreamUpdatedAt: new Date() });
      const [x, y] = [await signUp(), await signUp()];
      const claimX = await x.client.api.account.claimPlayer.mutate({ uid });
      const claimY = await y.client.api.account.claimPlayer.mutate({ uid });
      const results = await Promise.allSettled([
        admin.api.admin.claims.approve.mutate({ id: claimX.id }),
        other.api.admin.claims.approve.mutate({ id: claimY.id }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failure = results.find((r) => r.status === 'rejected');
      expect(failure?.status === 'rejected' && (await wireError(Promise.reject(failure.reason)))).toMatchObject({
        code: 'CONFLICT',
        status: 409,
      });
      expect(await t.db.db.select().from(schema.users).where(eq(schema.users.playerUid, uid))).toHaveLength(1);
    }
  });

  it('unlinks, and the user can claim again', async () => {
    const erin = await signUp();
    // Bob's pending claim on this player is closed by the link.
    await admin.api.admin.users.linkPlayer.mutate({ userId: erin.id, uid: 'w-rich' });
    expect((await erin.client.api.auth.me.query())?.playerUid).toBe('w-rich');
    await admin.api.admin.users.unlinkPlayer.mutate({ userId: erin.id });
    expect((await erin.client.api.auth.me.query())?.playerUid).toBeNull();
    expect(await erin.client.api.account.standing.query()).toBeNull();
    await expect(erin.client.api.account.claimPlayer.mutate({ uid: 'w-rich' })).resolves.toMatchObject({
      status: 'pending',
    });
    expect(await wireError(erin.client.api.admin.users.unlinkPlayer.mutate({ userId: erin.id }))).toMatchObject({
      code: 'FORBIDDEN',
      status: 403,
    });
  });

  it('refuses a Telegram review callback from anyone but a linked admin', async () => {
    const { key } = await admin.api.admin.apiKeys.create.mutate({ name: 'bot', scopes: ['bot'] });
    const bot = createClient({ url: t.url, token: key });
    clients.push(bot);
    const frank = await signUp();
    await t.db.db.update(schema.users).set({ telegramId: 31_337 }).where(eq(schema.users.id, frank.id));
    await t.db.db.insert(schema.players).values({ uid: 'w-tg', name: 'TgGoat', upstreamUpdatedAt: new Date() });
    const claim = await bot.api.telegram.claimPlayer.mutate({ telegramId: 31_337, name: 'TgGoat' });
    expect(
      await wireError(
        bot.api.telegram.reviewClaim.mutate({ requesterTelegramId: 31_337, claimId: claim.id, decision: 'approve' }),
      ),
    ).toMatchObject({ code: 'FORBIDDEN', status: 403, message: 'Only a linked admin account may do this' });
    expect((await frank.client.api.account.claim.query()).status).toBe('pending');
    // A signed-in user cannot call the bot's procedure at all.
    expect(
      await wireError(
        frank.client.api.telegram.reviewClaim.mutate({
          requesterTelegramId: 31_337,
          claimId: claim.id,
          decision: 'approve',
        }),
      ),
    ).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('resets a password with a token over HTTP: once, every session ends', async () => {
    const gina = await signUp();
    const { token } = await admin.api.admin.users.issueResetToken.mutate({ userId: gina.id });
    await expect(t.client.api.auth.resetPassword.mutate({ token, password: 'brand new secret 1' })).resolves.toEqual({
      reset: true,
    });
    expect(await wireError(gina.client.api.auth.me.query())).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    expect(
      await wireError(t.client.api.auth.resetPassword.mutate({ token, password: 'brand new secret 2' })),
    ).toMatchObject({
      status: 400,
      issues: [expect.objectContaining({ path: ['token'] })],
    });
  });
});

describe.each(testBackends())('a generated admin password on %s', (kind) => {
  it('must be changed at the first sign-in', async () => {
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      printed.push(String(line));
    });
    let t: TestServer | undefined;
    try {
      t = await startTestServer(kind, { ADMIN_PASSWORD: '' });
      const password = /with password (\S+)/.exec(printed.join('\n'))?.[1] ?? '';
      expect(password.length).toBeGreaterThan(16);
      const session = await t.client.api.auth.signIn.mutate({ username: 'admin', password, mode: 'token' });
      expect(session.user.mustChangePassword).toBe(true);
      const first = createClient({ url: t.url, token: session.token ?? '' });
      try {
        expect(await wireError(first.api.admin.users.list.query({}))).toMatchObject({ code: 'FORBIDDEN', status: 403 });
        await first.api.auth.changePassword.mutate({ currentPassword: password, newPassword: 'the admin chose this' });
        await expect(first.api.admin.users.list.query({})).resolves.toMatchObject({ users: expect.any(Array) });
        expect((await first.api.auth.me.query())?.mustChangePassword).toBe(false);
      } finally {
        await first.close();
      }
    } finally {
      log.mockRestore();
      await t?.close();
    }
  });
});
