import { schema } from '@goated/db';
import { consume } from '@goated/testing';
import { testBackends } from '@goated/testing/db';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { live, mvpUpdates } from '../src/live/live';
import { createInProcessBus, type SessionUser } from '../src/server';
import { createTestApi, insertPlayers, insertUser, type TestApi } from './fixtures';

const copper = { rank: 1, name: 'Copper', colour: '#c46a3c' };

describe.each(testBackends())('the public front door on %s', (kind) => {
  let t: TestApi;
  let admin: SessionUser;
  const open: AbortController[] = [];
  afterEach(() => {
    for (const c of open.splice(0)) c.abort();
  });

  beforeAll(async () => {
    t = await createTestApi(kind, { live: { pushIntervalMs: 100 } });
  }, 120_000);
  afterAll(() => t.close());
  beforeEach(async () => {
    await t.deps.db.execute(sql`truncate users, players, races, bonus_codes restart identity cascade`);
    admin = await insertUser(t.deps.db, { role: 'admin' });
  });

  it("names today's, this week's and this month's #1, null where nobody has wagered", async () => {
    expect(await t.caller.leaderboard.mvps()).toMatchObject({ today: null, week: null, month: null });
    await insertPlayers(t.deps.db, [
      { uid: 'a', name: 'Alice', today: '0', week: '50.00', month: '900.00', all: '45000.00' },
      { uid: 'b', name: 'Bob', today: '0', week: '70.00', month: '100.00', all: '100.00' },
    ]);
    await t.deps.bus.publish('leaderboard.changed', { changedPlayers: 2, at: new Date().toISOString() });
    const mvps = await t.caller.leaderboard.mvps();
    expect(mvps.today).toBeNull();
    expect(mvps.week).toEqual({ uid: 'b', name: 'Bob', wagered: '70.00', tier: copper });
    expect(mvps.month).toEqual({
      uid: 'a',
      name: 'Alice',
      wagered: '900.00',
      tier: { rank: 3, name: 'Silver', colour: '#a9b4bf' },
    });
  });

  it('pushes the MVPs first, then again when one of them changes', async () => {
    await insertPlayers(t.deps.db, [{ uid: 'a', name: 'Alice', today: '5.00', week: '5.00', month: '5.00' }]);
    // A bus of its own: nothing cached from the other tests.
    const deps = { ...t.deps, bus: createInProcessBus() };
    const controller = new AbortController();
    open.push(controller);
    const stream = consume(mvpUpdates(deps, controller.signal));
    const [, first] = await stream.next(1);
    expect(first.today?.uid).toBe('a');

    await insertPlayers(t.deps.db, [{ uid: 'z', name: 'Zed', today: '9.00', week: '1.00', month: '1.00' }]);
    await deps.bus.publish('leaderboard.changed', { changedPlayers: 1, at: new Date().toISOString() });
    const [, second] = await stream.next(2);
    expect(second.today?.uid).toBe('z');
    expect(second.week?.uid).toBe('a');
    controller.abort();
    await stream.done;
    expect(live(deps).mvpFeeds.size).toBe(0);
  });

  it('lists finished races newest-finished first with their top 3, and pages the archive', async () => {
    await insertPlayers(t.deps.db, [
      { uid: 'a', name: 'Alice', month: '1' },
      { uid: 'b', name: 'Bob', month: '1' },
      { uid: 'c', name: 'Carol', month: '1' },
      { uid: 'd', name: 'Dan', month: '1' },
    ]);
    const day = (n: number) => new Date(Date.UTC(2026, 0, n));
    const race = async (name: string, ends: number, status: 'completed' | 'upcoming' = 'completed') => {
      const [row] = await t.deps.db
        .insert(schema.races)
        .values({
          name,
          startsAt: day(ends - 7),
          endsAt: status === 'completed' ? day(ends) : new Date(Date.now() + 86_400_000 * 30),
          prizePool: '100.00',
          prizeSplit: ['60.00', '30.00', '10.00'],
          status,
          finalizedAt: status === 'completed' ? day(ends) : null,
        })
        .returning();
      if (!row) throw new Error('no race');
      return row.id;
    };
    // Created out of order: a recurring race made ahead of time gets the lower id.
    const later = await race('Later', 20);
    const earlier = await race('Earlier', 10);
    const empty = await race('Nobody played', 5);
    await race('Still to come', 30, 'upcoming');
    const results = (raceId: number, uids: string[]) =>
      t.deps.db.insert(schema.raceResults).values(
        uids.map((uid, i) => ({
          raceId,
          rank: i + 1,
          playerUid: uid,
          playerName: uid.toUpperCase(),
          wagered: `${100 - i}.00`,
          prize: ['60.00', '30.00', '10.00'][i] ?? '0.00',
        })),
      );
    await results(later, ['a', 'b', 'c', 'd']);
    await results(earlier, ['d']);

    const page1 = await t.caller.races.list({ status: 'completed', limit: 2 });
    expect(page1.races.map((r) => r.name)).toEqual(['Later', 'Earlier']);
    expect(page1.races[0]?.winners).toEqual([
      { rank: 1, uid: 'a', name: 'A', wagered: '100.00', prize: '60.00' },
      { rank: 2, uid: 'b', name: 'B', wagered: '99.00', prize: '30.00' },
      { rank: 3, uid: 'c', name: 'C', wagered: '98.00', prize: '10.00' },
    ]);
    expect(page1.races[1]?.winners.map((w) => w.uid)).toEqual(['d']);
    expect(page1.races[0]?.prizes).toEqual([
      { rank: 1, prize: '60.00' },
      { rank: 2, prize: '30.00' },
      { rank: 3, prize: '10.00' },
    ]);
    expect(page1.nextCursor).toBe(earlier);

    const page2 = await t.caller.races.list({ status: 'completed', limit: 2, cursor: page1.nextCursor });
    expect(page2.races.map((r) => [r.id, r.winners])).toEqual([[empty, []]]);
    expect(page2.nextCursor).toBeNull();

    // One race has the same podium; a race that has not finished has none; old callers work as before.
    expect((await t.caller.races.get({ raceId: later })).winners).toHaveLength(3);
    const all = await t.caller.races.list({});
    expect(all.races.map((r) => r.name)).toEqual(['Still to come', 'Nobody played', 'Earlier', 'Later']);
    expect(all.races[0]?.winners).toEqual([]);
  });

  it('lists the codes that can be claimed now, publicly and without anyone’s claims', async () => {
    const api = t.callerAs({ user: admin });
    await api.bonus.create({ code: 'welcome', description: 'Free spins', maxClaims: 10 });
    const off = await api.bonus.create({ code: 'switched-off', maxClaims: 10 });
    await api.bonus.disable({ id: off.id });
    const used = await api.bonus.create({ code: 'used-up', maxClaims: 1 });
    await t.deps.db.execute(sql`update bonus_codes set claims_count = 1 where id = ${used.id}`);
    const expired = await api.bonus.create({ code: 'expired', maxClaims: 5 });
    await t.deps.db.execute(
      sql`update bonus_codes set expires_at = now() - interval '1 hour' where id = ${expired.id}`,
    );

    const active = await t.caller.bonus.active();
    expect(active).toEqual([
      { code: 'WELCOME', description: 'Free spins', remaining: 10, minMonthlyWager: null, expiresAt: null },
    ]);
  });

  it('tells the front door how to join and what the footer links to (defaults without configuration)', async () => {
    expect(await t.caller.site.info()).toEqual({
      referralCode: null,
      signUpUrl: null,
      currency: 'USD',
      termsUrl: null,
      responsibleGamblingUrl: 'https://www.begambleaware.org/',
      adultsOnly: true,
    });
  });
});
