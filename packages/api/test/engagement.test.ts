import { randomUUID } from 'node:crypto';
import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser } from '../src/server';
import { CANNOT_CLAIM } from '../src/services/bonus';
import { type Caller, createTestApi, insertPlayers, insertUser, type TestApi } from './fixtures';

const HOUR = 3_600_000;

async function manyUsers(t: TestApi, n: number, prefix: string): Promise<SessionUser[]> {
  const rows = Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    username: `${prefix}${i}`,
    displayName: `${prefix}${i}`,
    passwordHash: 'x',
  }));
  await t.deps.db.insert(schema.users).values(rows);
  return rows.map((r) => ({ id: r.id, username: r.username, role: 'user' as const }));
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'ok',
    (err: unknown) => (err && typeof err === 'object' && 'code' in err ? String(err.code) : String(err)),
  );
}

/** `outcome`, with the message of any error that is not one of `expected` codes (so a failure says what it was). */
async function outcomeExplained(promise: Promise<unknown>, expected: string[]): Promise<string> {
  return promise.then(
    () => 'ok',
    (err: unknown) => {
      const code = err && typeof err === 'object' && 'code' in err ? String(err.code) : 'not a tRPC error';
      return expected.includes(code) ? code : `${code}: ${err instanceof Error ? err.message : String(err)}`;
    },
  );
}

describe.each(testBackends())('bonus codes on %s', (kind) => {
  let t: TestApi;
  let adminCaller: Caller;
  let user: SessionUser;

  beforeAll(async () => {
    t = await createTestApi(kind);
    adminCaller = t.callerAs({ user: await insertUser(t.deps.db, { role: 'admin' }) });
    user = await insertUser(t.deps.db);
  });
  afterAll(() => t.close());

  it('gives exactly M successes to N concurrent claims of M slots', async () => {
    const code = await adminCaller.bonus.create({ code: 'rush50', maxClaims: 50 });
    expect(code.code).toBe('RUSH50');
    const claimants = await manyUsers(t, 200, 'rush_');
    const results = await Promise.all(
      claimants.map((u, i) =>
        outcomeExplained(t.callerAs({ user: u }).bonus.claim({ code: i % 2 ? 'rush50' : 'RUSH50' }), ['NOT_FOUND']),
      ),
    );
    // Every claim either succeeds or is told the code is used up; anything else is named here.
    expect(results.filter((r) => r !== 'ok' && r !== 'NOT_FOUND')).toEqual([]);
    expect(results.filter((r) => r === 'ok')).toHaveLength(50);
    expect(results.filter((r) => r === 'NOT_FOUND')).toHaveLength(150);
    const [row] = await t.deps.db.select().from(schema.bonusCodes).where(eq(schema.bonusCodes.id, code.id));
    expect(row?.claimsCount).toBe(50);
    const claims = await adminCaller.bonus.claims({ codeId: code.id, limit: 500 });
    expect(claims.claims).toHaveLength(50);
  }, 60_000);

  it('lets a user claim a code once, whatever the case', async () => {
    await adminCaller.bonus.create({ code: 'ONCE', maxClaims: 10 });
    const caller = t.callerAs({ user });
    const claimed = await caller.bonus.claim({ code: 'once' });
    expect(claimed.code).toBe('ONCE');
    await expect(caller.bonus.claim({ code: 'OnCe' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'You already claimed this code',
    });
    expect((await caller.bonus.myClaims()).map((c) => c.code)).toContain('ONCE');
  });

  it('re-enables a disabled code, and shows the admin who claimed it', async () => {
    const code = await adminCaller.bonus.create({ code: 'BACK', maxClaims: 5 });
    await adminCaller.bonus.disable({ id: code.id });
    const caller = t.callerAs({ user });
    await expect(caller.bonus.claim({ code: 'BACK' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await adminCaller.bonus.enable({ id: code.id })).toMatchObject({ disabled: false });
    await caller.bonus.claim({ code: 'BACK' });
    const { claims } = await adminCaller.bonus.claims({ codeId: code.id });
    expect(claims.map((c) => c.userId)).toEqual([user.id]);
  });

  it('answers every “cannot claim this” the same until the code is proven to exist for this user', async () => {
    const disabled = await adminCaller.bonus.create({ code: 'GONE', maxClaims: 5 });
    await adminCaller.bonus.disable({ id: disabled.id });
    const expired = await adminCaller.bonus.create({
      code: 'OLD',
      maxClaims: 5,
      expiresAt: new Date(Date.now() + HOUR),
    });
    await t.deps.db
      .update(schema.bonusCodes)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(schema.bonusCodes.id, expired.id));
    await adminCaller.bonus.create({ code: 'SOLO', maxClaims: 1 });
    await t.callerAs({ user: await insertUser(t.deps.db) }).bonus.claim({ code: 'SOLO' });
    await adminCaller.bonus.create({ code: 'VIP', maxClaims: 10, minMonthlyWager: '1000' });
    await insertPlayers(t.deps.db, [
      { uid: 'low', month: '999.99' },
      { uid: 'high', month: '1000.00' },
    ]);
    const low = await insertUser(t.deps.db, { playerUid: 'low' });
    const answersOf = async (who: SessionUser, codes: string[]) => {
      const answers = await Promise.all(
        codes.map((code) =>
          t
            .callerAs({ user: who })
            .bonus.claim({ code })
            .catch((e: unknown) => e),
        ),
      );
      return answers.map((a) =>
        a && typeof a === 'object' && 'message' in a && 'code' in a ? `${a.code}:${a.message}` : a,
      );
    };
    // Unknown, malformed, disabled, expired, used up, a wager not reached, no linked player.
    const shapes = [
      ...(await answersOf(user, ['NOPE', '../../etc', 'GONE', 'OLD', 'SOLO', 'VIP'])),
      ...(await answersOf(low, ['VIP'])),
    ];
    expect(new Set(shapes)).toEqual(new Set([`NOT_FOUND:${CANNOT_CLAIM}`]));
    // A code this user already claimed is proven to exist for them: it gets its own answer.
    const high = await insertUser(t.deps.db, { playerUid: 'high' });
    await expect(t.callerAs({ user: high }).bonus.claim({ code: 'vip' })).resolves.toMatchObject({ code: 'VIP' });
    await adminCaller.bonus.disable({
      id: (await adminCaller.bonus.list({})).codes.find((c) => c.code === 'VIP')?.id ?? 0,
    });
    await expect(t.callerAs({ user: high }).bonus.claim({ code: 'vip' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'You already claimed this code',
    });
  });

  it('requires signing in to claim and an admin to manage', async () => {
    await expect(t.caller.bonus.claim({ code: 'ONCE' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(t.callerAs({ user }).bonus.create({ code: 'MINE', maxClaims: 1 })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('validates codes on creation with the field named', async () => {
    await expect(adminCaller.bonus.create({ code: 'a b', maxClaims: 1 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('code'),
    });
    await expect(adminCaller.bonus.create({ code: 'once', maxClaims: 1 })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(adminCaller.bonus.create({ code: 'ZERO', maxClaims: 0 })).rejects.toMatchObject({
      message: expect.stringContaining('maxClaims'),
    });
    const code = await adminCaller.bonus.list({});
    const solo = code.codes.find((c) => c.code === 'SOLO');
    await expect(adminCaller.bonus.update({ id: solo?.id ?? 0, maxClaims: 0 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });

  it('audits every admin action', async () => {
    const { entries } = await adminCaller.admin.audit.list({ limit: 200 });
    const actions = new Set(entries.map((e) => e.action));
    for (const action of ['bonus.create', 'bonus.disable', 'bonus.enable']) expect(actions).toContain(action);
  });
});

describe.each(testBackends())('challenges on %s', (kind) => {
  let t: TestApi;
  let adminCaller: Caller;
  let player: SessionUser;
  let challengeId: number;
  const notifications: string[] = [];

  const base = () => ({
    title: '100x on Crash',
    game: 'Crash',
    minMultiplier: '100',
    minBet: '1.00',
    prize: '250.00',
    maxWinners: 5,
    maxEntriesPerUser: 10,
    startsAt: new Date(Date.now() - HOUR),
    endsAt: new Date(Date.now() + HOUR),
  });

  beforeAll(async () => {
    t = await createTestApi(kind);
    adminCaller = t.callerAs({ user: await insertUser(t.deps.db, { role: 'admin' }) });
    player = await insertUser(t.deps.db);
    challengeId = (await adminCaller.challenges.create(base())).id;
    t.deps.bus.subscribe('user.notification', (n) => notifications.push(n.userId));
  });
  afterAll(() => t.close());

  it('approves exactly as many winners as the challenge has, even all at once', async () => {
    const { id } = await adminCaller.challenges.create({ ...base(), title: 'Five winners' });
    const entrants = await manyUsers(t, 20, 'ch_');
    const entries = await Promise.all(
      entrants.map((u, i) =>
        t
          .callerAs({ user: u })
          .challenges.submit({ challengeId: id, betReference: `bet-${i}`, multiplier: 150, betAmount: '2' }),
      ),
    );
    const results = await Promise.all(
      entries.map((e) => outcome(adminCaller.challenges.review({ entryId: e.id, decision: 'approve' }))),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(5);
    expect(results.filter((r) => r === 'CONFLICT')).toHaveLength(15);
    const challenge = await t.caller.challenges.get({ id });
    expect(challenge).toMatchObject({ winners: 5, state: 'full' });
    expect(challenge.winnerList).toHaveLength(5);
    const approvedUsers = new Set(notifications);
    expect(entrants.filter((u) => approvedUsers.has(u.id))).toHaveLength(5);
  }, 60_000);

  it('accepts a qualifying entry and lists it for the player', async () => {
    const entry = await t.callerAs({ user: player }).challenges.submit({
      challengeId,
      betReference: ' https://casino.example/bet/123 ',
      multiplier: '100.00',
      betAmount: 1,
    });
    expect(entry).toMatchObject({
      status: 'pending',
      betReference: 'https://casino.example/bet/123',
      multiplier: '100.00',
    });
    expect((await t.callerAs({ user: player }).challenges.myEntries()).map((e) => e.id)).toContain(entry.id);
  });

  it.each([
    ['a multiplier below the minimum', { multiplier: '99.99' }, 'BAD_REQUEST', 'multiplier'],
    ['a bet below the minimum', { betAmount: '0.99' }, 'BAD_REQUEST', 'betAmount'],
    ['a duplicated bet', { betReference: 'https://casino.example/bet/123' }, 'CONFLICT', 'betReference'],
    ['a negative multiplier', { multiplier: -5 }, 'BAD_REQUEST', 'multiplier'],
    ['an empty bet reference', { betReference: '  ' }, 'BAD_REQUEST', 'betReference'],
  ])('refuses %s, naming the field', async (_label, override, code, field) => {
    const input = { challengeId, betReference: `ref-${Math.random()}`, multiplier: '120', betAmount: '5', ...override };
    await expect(t.callerAs({ user: player }).challenges.submit(input)).rejects.toMatchObject({
      code,
      message: expect.stringContaining(field),
    });
  });

  it('refuses entries outside the window, on a closed or a full challenge', async () => {
    const submit = (id: number) =>
      t
        .callerAs({ user: player })
        .challenges.submit({ challengeId: id, betReference: `x-${id}`, multiplier: 500, betAmount: 10 });
    const upcoming = await adminCaller.challenges.create({
      ...base(),
      startsAt: new Date(Date.now() + HOUR),
      endsAt: new Date(Date.now() + 2 * HOUR),
    });
    await expect(submit(upcoming.id)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'This challenge has not started yet',
    });
    const ended = await adminCaller.challenges.create(base());
    await t.deps.db
      .update(schema.challenges)
      .set({ endsAt: new Date(Date.now() - 1000), startsAt: new Date(Date.now() - HOUR) })
      .where(eq(schema.challenges.id, ended.id));
    await expect(submit(ended.id)).rejects.toMatchObject({ code: 'CONFLICT', message: 'This challenge has ended' });
    const closed = await adminCaller.challenges.create(base());
    await adminCaller.challenges.close({ id: closed.id });
    await expect(submit(closed.id)).rejects.toMatchObject({ code: 'CONFLICT', message: 'This challenge is closed' });
    const full = await adminCaller.challenges.create({ ...base(), maxWinners: 1 });
    const winner = await insertUser(t.deps.db);
    const entry = await t
      .callerAs({ user: winner })
      .challenges.submit({ challengeId: full.id, betReference: 'win-1', multiplier: 100, betAmount: 1 });
    await adminCaller.challenges.review({ entryId: entry.id, decision: 'approve' });
    await expect(submit(full.id)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'All winners of this challenge are already chosen',
    });
    await expect(submit(999_999)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses to review an entry twice', async () => {
    const entry = await t
      .callerAs({ user: player })
      .challenges.submit({ challengeId, betReference: 'twice', multiplier: 100, betAmount: 1 });
    await adminCaller.challenges.review({ entryId: entry.id, decision: 'reject' });
    await expect(adminCaller.challenges.review({ entryId: entry.id, decision: 'approve' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'This entry was already rejected',
    });
  });

  it('limits the entries one user has in play as the challenge says; rejected ones free a place', async () => {
    const { id } = await adminCaller.challenges.create({ ...base(), title: 'Two each', maxEntriesPerUser: 2 });
    const entrant = t.callerAs({ user: await insertUser(t.deps.db) });
    const submit = (ref: string) =>
      entrant.challenges.submit({ challengeId: id, betReference: ref, multiplier: 200, betAmount: 5 });
    // Submitted all at once: the challenge's row lock counts them one by one.
    const results = await Promise.all(['bet-a', 'bet-b', 'bet-c', 'bet-d'].map((ref) => outcome(submit(ref))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(2);
    expect(results.filter((r) => r === 'CONFLICT')).toHaveLength(2);
    await expect(submit('bet-e')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'You already have 2 entries in this challenge, the most it allows',
    });
    const [first] = (await entrant.challenges.myEntries()).filter((e) => e.challengeId === id);
    await adminCaller.challenges.review({ entryId: first?.id ?? 0, decision: 'reject' });
    await expect(submit('bet-e')).resolves.toMatchObject({ status: 'pending' });
    const single = await adminCaller.challenges.create({ ...base(), title: 'One each', maxEntriesPerUser: 1 });
    await entrant.challenges.submit({ challengeId: single.id, betReference: 'only', multiplier: 200, betAmount: 5 });
    await expect(
      entrant.challenges.submit({ challengeId: single.id, betReference: 'again', multiplier: 200, betAmount: 5 }),
    ).rejects.toMatchObject({ code: 'CONFLICT', message: 'You already have an entry in this challenge' });
  });

  it('shows admins a bet entered by several users, and approves it for one of them only', async () => {
    const { id } = await adminCaller.challenges.create({ ...base(), title: 'Contested' });
    const owner = await insertUser(t.deps.db, { username: 'bet_owner' });
    const copycat = await insertUser(t.deps.db, { username: 'copycat' });
    const bet = 'https://casino.example/bet/777';
    const first = await t
      .callerAs({ user: copycat })
      .challenges.submit({ challengeId: id, betReference: bet, multiplier: 300, betAmount: 5 });
    const second = await t
      .callerAs({ user: owner })
      .challenges.submit({ challengeId: id, betReference: bet, multiplier: 300, betAmount: 5 });
    const { entries } = await adminCaller.challenges.entries({ challengeId: id });
    expect(entries.map((e) => e.disputed)).toEqual([true, true]);
    const disputes = await adminCaller.challenges.disputes({ challengeId: id });
    expect(disputes).toEqual([
      {
        challengeId: id,
        challengeTitle: 'Contested',
        betReference: bet,
        entries: [
          expect.objectContaining({ id: first.id, username: 'copycat', status: 'pending' }),
          expect.objectContaining({ id: second.id, username: 'bet_owner', status: 'pending' }),
        ],
      },
    ]);
    await adminCaller.challenges.review({ entryId: second.id, decision: 'approve' });
    await expect(adminCaller.challenges.review({ entryId: first.id, decision: 'approve' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'This bet was already approved for another user',
    });
    await expect(t.callerAs({ user: owner }).challenges.disputes({})).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('validates a new challenge with field-named errors', async () => {
    await expect(
      adminCaller.challenges.create({ ...base(), endsAt: new Date(Date.now() - HOUR * 2) }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('endsAt'),
    });
    await expect(adminCaller.challenges.create({ ...base(), prize: 'free money' })).rejects.toMatchObject({
      message: expect.stringContaining('prize'),
    });
    await expect(adminCaller.challenges.update({ id: challengeId, maxWinners: 0 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });

  it('needs a session to submit and an admin to review, and audits admin actions', async () => {
    await expect(
      t.caller.challenges.submit({ challengeId, betReference: 'anon', multiplier: 100, betAmount: 1 }),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(
      t.callerAs({ user: player }).challenges.review({ entryId: 1, decision: 'approve' }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    const { entries } = await adminCaller.admin.audit.list({ limit: 200 });
    const actions = new Set(entries.map((e) => e.action));
    for (const action of ['challenge.create', 'challenge.close', 'challenge.approve', 'challenge.reject']) {
      expect(actions).toContain(action);
    }
  });

  it('lists challenges publicly with their state', async () => {
    const { challenges } = await t.caller.challenges.list({});
    expect(challenges.length).toBeGreaterThan(3);
    expect(new Set(challenges.map((c) => c.state))).toContain('open');
  });
});
