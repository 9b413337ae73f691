/**
 * Player claims through the real router on both databases: a user claims a casino player by
 * name or uid, an admin approves or rejects, and the rules hold under concurrency. From
 * Telegram in claims-telegram.test.ts. Over the wire (HTTP) in apps/server/test/claims-http.test.ts.
 */
import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser } from '../src/server';
import { type Caller, createTestApi, insertPlayers, insertUser, refusal, type TestApi } from './fixtures';

const { users, playerClaims, auditLog, notifications } = schema;

describe.each(testBackends())('player claims on %s', (kind) => {
  let t: TestApi;
  let admin: SessionUser;
  let asAdmin: Caller;
  let n = 0;

  async function newUser(role: 'user' | 'admin' = 'user') {
    const user = await insertUser(t.deps.db, { username: `claimer_${++n}`, role });
    return { user, caller: t.callerAs({ user }) };
  }

  async function playerOf(userId: string): Promise<string | null> {
    const [row] = await t.deps.db.select({ uid: users.playerUid }).from(users).where(eq(users.id, userId));
    return row?.uid ?? null;
  }

  async function inbox(userId: string) {
    return t.deps.db.select().from(notifications).where(eq(notifications.userId, userId));
  }

  beforeAll(async () => {
    t = await createTestApi(kind);
    admin = await insertUser(t.deps.db, { username: 'claims_admin', role: 'admin' });
    asAdmin = t.callerAs({ user: admin });
    await insertPlayers(t.deps.db, [
      { uid: 'u-lucky', name: 'LuckyGoat', month: '500.00', all: '9000.00' },
      { uid: 'u-rich', name: 'RichRabbit', month: '800.00' },
      { uid: 'u-twin-1', name: 'Twin' },
      { uid: 'u-twin-2', name: 'twin' },
      { uid: 'u-contested', name: 'Contested', month: '50.00' },
      { uid: 'u-free', name: 'FreeAgent' },
      { uid: 'u-fourth', name: 'Fourth' },
      { uid: 'u-direct', name: 'DirectLink' },
    ]);
  });
  afterAll(() => t.close());

  it('claims by casino username, exactly but in any case, and waits for review', async () => {
    const { user, caller } = await newUser();
    expect(await caller.account.claim()).toEqual({ status: 'none' });
    const claim = await caller.account.claimPlayer({ name: '  luckygoat ' });
    expect(claim).toMatchObject({
      status: 'pending',
      method: 'name',
      claimedAs: 'luckygoat',
      player: { uid: 'u-lucky', name: 'LuckyGoat' },
      reason: null,
    });
    expect(await caller.account.claim()).toMatchObject({ id: claim.id, status: 'pending' });
    // Nothing is linked until an admin approves.
    expect(await playerOf(user.id)).toBeNull();
    expect(await caller.account.standing()).toBeNull();
    expect((await inbox(user.id)).map((r) => r.type)).toEqual(['claim.submitted']);
    const [audit] = await t.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'claim.create'), eq(auditLog.targetId, String(claim.id))));
    expect(audit?.actorUserId).toBe(user.id);
    // A prefix or a near miss is not the name.
    const { caller: other } = await newUser();
    expect(await refusal(other.account.claimPlayer({ name: 'Lucky' }))).toMatchObject({
      code: 'NOT_FOUND',
      fields: ['name'],
    });
  });

  it('claims by uid', async () => {
    const { caller } = await newUser();
    await expect(caller.account.claimPlayer({ uid: 'u-rich' })).resolves.toMatchObject({
      method: 'uid',
      player: { uid: 'u-rich', name: 'RichRabbit' },
    });
    expect(await refusal(caller.account.cancelClaim().then(() => caller.account.claimPlayer({ uid: 'nope' })))).toEqual(
      {
        code: 'NOT_FOUND',
        message: 'uid: matches no casino player',
        fields: ['uid'],
      },
    );
  });

  it('names the problem: an unknown name, a blank one, a NUL byte, an ambiguous name, no field at all', async () => {
    const { caller } = await newUser();
    const unknown = await refusal(caller.account.claimPlayer({ name: 'NobodyAtAll' }));
    expect(unknown).toMatchObject({ code: 'NOT_FOUND', fields: ['name'] });
    expect(unknown.message).toMatch(/^name: matches no casino player: type it exactly as the casino shows it/);
    expect(await refusal(caller.account.claimPlayer({ name: '   ' }))).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('Casino username is required'),
      fields: ['name'],
    });
    expect(await refusal(caller.account.claimPlayer({ name: 'Lucky\u0000Goat' }))).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('must not contain control characters'),
    });
    expect(await refusal(caller.account.claimPlayer({ name: 'TWIN' }))).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'name: matches several casino players: claim by player id, or ask an admin',
    });
    expect(await refusal(caller.account.claimPlayer({} as unknown as { name: string }))).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('Give your casino username (name) or your player id (uid)'),
    });
  });

  it('refuses a second pending claim, naming the first', async () => {
    const { caller } = await newUser();
    await caller.account.claimPlayer({ name: 'FreeAgent' });
    expect(await refusal(caller.account.claimPlayer({ name: 'Fourth' }))).toEqual({
      code: 'CONFLICT',
      message: 'You already have a claim pending for “FreeAgent”: cancel it before claiming another player',
      fields: [],
    });
    // Cancelled, the way is free.
    await expect(caller.account.cancelClaim()).resolves.toMatchObject({ status: 'cancelled' });
    expect(await caller.account.claim()).toEqual({ status: 'none' });
    await expect(caller.account.claimPlayer({ name: 'Fourth' })).resolves.toMatchObject({ status: 'pending' });
    expect(await refusal(newUser().then(({ caller: c }) => c.account.cancelClaim()))).toMatchObject({
      code: 'NOT_FOUND',
      message: 'You have no pending claim to cancel',
    });
  });

  it('lets exactly one of two simultaneous claims by one user through', async () => {
    const { user, caller } = await newUser();
    const results = await Promise.allSettled([
      caller.account.claimPlayer({ name: 'Contested' }),
      caller.account.claimPlayer({ uid: 'u-contested' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const pending = await t.deps.db
      .select()
      .from(playerClaims)
      .where(and(eq(playerClaims.userId, user.id), eq(playerClaims.status, 'pending')));
    expect(pending).toHaveLength(1);
    await caller.account.cancelClaim();
  });

  it('approves: links the player, tells the user, and closes the other claims on that player', async () => {
    const { user, caller } = await newUser();
    const { user: rival, caller: rivalCaller } = await newUser();
    const claim = await caller.account.claimPlayer({ name: 'RichRabbit' });
    const rivalClaim = await rivalCaller.account.claimPlayer({ uid: 'u-rich' });

    const queue = await asAdmin.admin.claims.list({ status: 'pending' });
    const item = queue.claims.find((c) => c.id === claim.id);
    expect(item).toMatchObject({
      user: { id: user.id, username: user.username, banned: false, telegram: { linked: false } },
      figures: { uid: 'u-rich', name: 'RichRabbit', periods: { month: { wagered: '800.00', rank: 1 } } },
      linkedTo: null,
    });
    expect(item?.user.createdAt).toBeInstanceOf(Date);
    expect(item?.otherClaims.map((c) => [c.id, c.username, c.status])).toContainEqual([
      rivalClaim.id,
      rival.username,
      'pending',
    ]);

    await expect(asAdmin.admin.claims.approve({ id: claim.id })).resolves.toMatchObject({ status: 'approved' });
    expect(await playerOf(user.id)).toBe('u-rich');
    expect(await caller.account.claim()).toMatchObject({ status: 'approved', reviewedAt: expect.any(Date) });
    expect((await inbox(user.id)).map((r) => r.type)).toContain('claim.approved');
    // The rival's claim can no longer succeed: closed, with the reason, and they are told.
    expect(await rivalCaller.account.claim()).toMatchObject({
      status: 'rejected',
      reason: 'This player was linked to another account.',
    });
    expect((await inbox(rival.id)).map((r) => r.type)).toContain('claim.rejected');
    // A linked player is a clear CONFLICT for anyone else, and approving twice too.
    const { caller: third } = await newUser();
    expect(await refusal(third.account.claimPlayer({ name: 'richrabbit' }))).toMatchObject({
      code: 'CONFLICT',
      message: '“RichRabbit” is already linked to another account',
    });
    expect(await refusal(caller.account.claimPlayer({ name: 'RichRabbit' }))).toMatchObject({
      code: 'CONFLICT',
      message: '“RichRabbit” is already linked to your account',
    });
    expect(await refusal(asAdmin.admin.claims.approve({ id: claim.id }))).toMatchObject({
      code: 'CONFLICT',
      message: 'This claim was already approved',
    });
    const approvals = await t.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'claim.approve'), eq(auditLog.targetId, String(claim.id))));
    expect(approvals.map((a) => a.actorUserId)).toEqual([admin.id]);
  });

  it('rejects with a reason the user reads, and insists on one', async () => {
    const { user, caller } = await newUser();
    const claim = await caller.account.claimPlayer({ name: 'FreeAgent' });
    expect(await refusal(asAdmin.admin.claims.reject({ id: claim.id, reason: '  ' }))).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('Reason is required'),
      fields: ['reason'],
    });
    await asAdmin.admin.claims.reject({ id: claim.id, reason: 'Your casino profile shows another account name.' });
    expect(await caller.account.claim()).toMatchObject({
      status: 'rejected',
      reason: 'Your casino profile shows another account name.',
    });
    const [told] = (await inbox(user.id)).filter((r) => r.type === 'claim.rejected');
    expect(told?.body).toBe('Your claim to “FreeAgent” was rejected: Your casino profile shows another account name.');
    expect(await playerOf(user.id)).toBeNull();
  });

  it('links exactly one account when two claims on one player are approved at the same moment', async () => {
    for (let round = 0; round < 3; round++) {
      await insertPlayers(t.deps.db, [{ uid: `u-race-${round}`, name: `Raced${round}` }]);
      const a = await newUser();
      const b = await newUser();
      const claimA = await a.caller.account.claimPlayer({ uid: `u-race-${round}` });
      const claimB = await b.caller.account.claimPlayer({ uid: `u-race-${round}` });
      const secondAdmin = t.callerAs({ user: await insertUser(t.deps.db, { role: 'admin' }) });
      const results = await Promise.allSettled([
        asAdmin.admin.claims.approve({ id: claimA.id }),
        secondAdmin.admin.claims.approve({ id: claimB.id }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const [failed] = results.filter((r) => r.status === 'rejected');
      expect(failed?.reason).toMatchObject({ code: 'CONFLICT' });
      const holders = await t.deps.db
        .select()
        .from(users)
        .where(eq(users.playerUid, `u-race-${round}`));
      expect(holders).toHaveLength(1);
      const states = await t.deps.db
        .select()
        .from(playerClaims)
        .where(eq(playerClaims.playerUid, `u-race-${round}`));
      expect(states.map((c) => c.status).sort()).toEqual(['approved', 'rejected']);
    }
  });

  it('lets an admin link and unlink directly, audited and told', async () => {
    const { user, caller } = await newUser();
    await caller.account.claimPlayer({ name: 'Fourth' }).catch(() => undefined);
    await expect(asAdmin.admin.users.linkPlayer({ userId: user.id, uid: 'u-direct' })).resolves.toMatchObject({
      userId: user.id,
      player: { uid: 'u-direct', name: 'DirectLink' },
    });
    expect(await playerOf(user.id)).toBe('u-direct');
    // The pending claim for another player gave way to the admin's link.
    expect((await caller.account.claim()).status).toBe('none');
    const { user: other } = await newUser();
    expect(await refusal(asAdmin.admin.users.linkPlayer({ userId: other.id, uid: 'u-direct' }))).toMatchObject({
      code: 'CONFLICT',
      message: `This player is already linked to ${user.username}`,
    });
    expect(await refusal(asAdmin.admin.users.linkPlayer({ userId: other.id, uid: 'u-none' }))).toMatchObject({
      code: 'NOT_FOUND',
      fields: ['uid'],
    });

    await expect(asAdmin.admin.users.unlinkPlayer({ userId: user.id })).resolves.toMatchObject({ player: null });
    expect(await playerOf(user.id)).toBeNull();
    expect(await refusal(asAdmin.admin.users.unlinkPlayer({ userId: user.id }))).toMatchObject({
      code: 'CONFLICT',
      message: `${user.username} is not linked to a casino player`,
    });
    const actions = await t.deps.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(eq(auditLog.targetId, user.id));
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(['user.linkPlayer', 'user.unlinkPlayer']));
    expect((await inbox(user.id)).map((r) => r.type)).toEqual(
      expect.arrayContaining(['player.linked', 'player.unlinked']),
    );
    // Unlinked, the player can be claimed again.
    const { caller: next } = await newUser();
    await expect(next.account.claimPlayer({ uid: 'u-direct' })).resolves.toMatchObject({ status: 'pending' });
  });

  it('keeps the queue and the decisions to admins', async () => {
    const { caller } = await newUser();
    expect((await refusal(caller.admin.claims.list({}))).code).toBe('FORBIDDEN');
    expect((await refusal(caller.admin.claims.approve({ id: 1 }))).code).toBe('FORBIDDEN');
    expect((await refusal(caller.admin.users.unlinkPlayer({ userId: admin.id }))).code).toBe('FORBIDDEN');
    expect((await refusal(t.caller.account.claimPlayer({ name: 'LuckyGoat' }))).code).toBe('UNAUTHORIZED');
    expect((await refusal(asAdmin.admin.claims.approve({ id: 999_999 }))).code).toBe('NOT_FOUND');
  });
});
