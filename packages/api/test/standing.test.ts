/**
 * A linked player's standing (`account.standing`) and the notices that follow them through a
 * live race: position moves past the threshold (once, whichever instance notices) and race won.
 */
import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser } from '../src/server';
import { addDays, startOfUtcDay, utcDay } from '../src/services/dates';
import { refreshRacePositions, watchRacePositions } from '../src/services/notifications/race-positions';
import { finalizeRace } from '../src/services/race-admin';
import { type Caller, createTestApi, insertPlayers, insertUser, insertWagerDays, type TestApi } from './fixtures';

const { users, races, notifications, racePositions, playerWagerDays } = schema;
const DAY = 86_400_000;

describe.each(testBackends())('standing and race notices on %s', (kind) => {
  let t: TestApi;
  let raceId: number;
  const today = startOfUtcDay(new Date());
  const day = utcDay(today);

  async function linked(uid: string) {
    const user: SessionUser = await insertUser(t.deps.db, { playerUid: uid });
    return { user, caller: t.callerAs({ user }) };
  }

  async function setWager(uid: string, wagered: string) {
    await t.deps.db
      .update(playerWagerDays)
      .set({ wagered })
      .where(and(eq(playerWagerDays.playerUid, uid), eq(playerWagerDays.day, day)));
  }

  async function positionNotices(userId: string) {
    return t.deps.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.userId, userId), eq(notifications.type, 'race.position')));
  }

  beforeAll(async () => {
    t = await createTestApi(kind, { live: { pushIntervalMs: 20 } });
    await insertPlayers(t.deps.db, [
      { uid: 'a', name: 'Alpha', today: '500.00', week: '500.00', month: '900.00', all: '5000.00' },
      { uid: 'b', name: 'Bravo', today: '400.00', week: '400.00', month: '400.00' },
      { uid: 'c', name: 'Charlie', today: '300.00', week: '300.00', month: '300.00' },
      { uid: 'd', name: 'Delta', today: '200.00', week: '250.00', month: '250.00', all: '700.00' },
      { uid: 'e', name: 'Echo', today: '100.00', week: '100.00', month: '100.00' },
      { uid: 'z', name: 'Zulu', month: '5.00' },
    ]);
    await insertWagerDays(
      t.deps.db,
      ['a', 'b', 'c', 'd', 'e'].map((uid, i) => ({ uid, day, wagered: `${(5 - i) * 100}.00` })),
    );
    // An earlier day of the window counts too.
    await insertWagerDays(t.deps.db, [{ uid: 'd', day: utcDay(addDays(today, -1)), wagered: '50.00' }]);
    const [race] = await t.deps.db
      .insert(races)
      .values({
        name: 'Sprint',
        startsAt: new Date(today.getTime() - DAY),
        endsAt: new Date(today.getTime() + 3 * DAY),
        prizePool: '175.00',
        prizeSplit: ['100.00', '50.00', '25.00'],
        status: 'live',
      })
      .returning({ id: races.id });
    raceId = race?.id ?? 0;
  });
  afterAll(() => t.close());

  it('is null until a player is linked', async () => {
    const user = await insertUser(t.deps.db);
    expect(await t.callerAs({ user }).account.standing()).toBeNull();
  });

  it("shows a linked player's ranks, race place, prize and the gap to the next paid place", async () => {
    const { caller } = await linked('d');
    const standing = await caller.account.standing();
    expect(standing).toMatchObject({
      uid: 'd',
      name: 'Delta',
      periods: {
        today: { wagered: '200.00', rank: 4 },
        week: { wagered: '250.00', rank: 4 },
        all: { wagered: '700.00', rank: 2 },
      },
    });
    // Delta: 200 today + 50 yesterday = 250, behind Charlie's 300: #4, unpaid; #3 pays 25.00.
    expect(standing?.races).toEqual([
      {
        raceId,
        name: 'Sprint',
        endsAt: new Date(today.getTime() + 3 * DAY),
        prizePool: '175.00',
        paidPlaces: 3,
        rank: 4,
        wagered: '250.00',
        prize: '0.00',
        next: { rank: 3, prize: '25.00', gap: '50.01' },
      },
    ]);
  });

  it('at the top there is no next place; an unranked player is shown the last paid place', async () => {
    const top = await linked('a');
    expect((await top.caller.account.standing())?.races[0]).toMatchObject({ rank: 1, prize: '100.00', next: null });
    const idle = await linked('z');
    expect((await idle.caller.account.standing())?.races[0]).toMatchObject({
      rank: null,
      wagered: '0.00',
      prize: '0.00',
      next: { rank: 3, prize: '25.00', gap: '300.01' },
    });
  });

  it('tells a user whose race rank moved by the threshold, once, with the rank and prize', async () => {
    const { user } = await linked('e');
    // The first look sets the baseline: nothing to announce.
    const first = await refreshRacePositions(t.deps, { threshold: 2 });
    expect(first.moves).toEqual([]);
    const [baseline] = await t.deps.db
      .select()
      .from(racePositions)
      .where(and(eq(racePositions.raceId, raceId), eq(racePositions.playerUid, 'e')));
    expect(baseline).toMatchObject({ rank: 5, notifiedRank: 5, wagered: '100.00' });

    // Echo climbs from #5 to #2: announced once, however many instances refresh at once.
    await setWager('e', '450.00');
    const results = await Promise.all([1, 2, 3].map(() => refreshRacePositions(t.deps, { threshold: 2 })));
    expect(results.flatMap((r) => r.moves)).toEqual([
      { raceId, raceName: 'Sprint', userId: user.id, uid: 'e', from: 5, to: 2 },
    ]);
    const notices = await positionNotices(user.id);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({
      kind: 'racePosition',
      title: 'You moved up to #2 in Sprint',
      link: `/races/${raceId}`,
      web: true,
    });
    expect(notices[0]?.body).toMatch(/^From #5 to #2\. #2 pays \$50\.00\. \dd \d+h left\.$/);
    // A one-place slip stays under the threshold.
    await setWager('e', '350.00');
    expect((await refreshRacePositions(t.deps, { threshold: 2 })).moves).toEqual([]);
    expect(await positionNotices(user.id)).toHaveLength(1);
    await setWager('e', '100.00');
    await refreshRacePositions(t.deps, { threshold: 100 });
  });

  it('spaces the notices to one player: moves within the cooldown add up to one later notice', async () => {
    const [user] = await t.deps.db.select().from(users).where(eq(users.playerUid, 'd'));
    if (!user) throw new Error('Delta is linked in an earlier test');
    const minute = 60_000;
    const t0 = new Date();
    const options = { threshold: 1, cooldownMs: 10 * minute };
    await refreshRacePositions(t.deps, options, t0);
    const before = (await positionNotices(user.id)).length;
    const deltaMoves = async (at: Date) =>
      (await refreshRacePositions(t.deps, options, at)).moves.filter((m) => m.uid === 'd').map((m) => [m.from, m.to]);
    // Delta (#4, 250) climbs over Charlie (300): told at once (never told before).
    await setWager('d', '260.00');
    expect(await deltaMoves(t0)).toEqual([[4, 3]]);
    // Two minutes later it climbs again, and again: quiet, the cooldown is on.
    await setWager('d', '360.00');
    expect(await deltaMoves(new Date(t0.getTime() + 2 * minute))).toEqual([]);
    await setWager('d', '460.00');
    expect(await deltaMoves(new Date(t0.getTime() + 4 * minute))).toEqual([]);
    // After it, one notice covers the whole climb (#3 → #2 → #1).
    expect(await deltaMoves(new Date(t0.getTime() + 11 * minute))).toEqual([[3, 1]]);
    expect((await positionNotices(user.id)).length).toBe(before + 2);
    await setWager('d', '200.00');
    await refreshRacePositions(t.deps, { threshold: 100 });
  });

  it('follows the wagers by itself: a change on the bus leads to a refresh', async () => {
    const { user } = await linked('b');
    const watch = watchRacePositions(t.deps, { threshold: 2, delayMs: 10 });
    try {
      await watch.refreshNow();
      await setWager('b', '10.00');
      await t.deps.bus.publish('leaderboard.changed', { changedPlayers: 1, at: new Date().toISOString() });
      await expect.poll(async () => (await positionNotices(user.id)).length, { timeout: 5_000 }).toBe(1);
      expect((await positionNotices(user.id))[0]?.title).toMatch(/^You dropped to #\d in Sprint$/);
    } finally {
      await watch.stop();
      await setWager('b', '400.00');
    }
  });

  it('reads the standing from stored places, not a ranking of the whole race', async () => {
    const { caller } = await linked('c');
    await refreshRacePositions(t.deps, { threshold: 2 });
    // If the stored place were ignored, the standing would rank the race again and say #3.
    await t.deps.db
      .update(racePositions)
      .set({ rank: 42, wagered: '1.00' })
      .where(and(eq(racePositions.raceId, raceId), eq(racePositions.playerUid, 'c')));
    // Charlie holds a paid place, which the fresh paid standings show: that wins over the store.
    expect((await caller.account.standing())?.races[0]).toMatchObject({ rank: 3, wagered: '300.00' });
    await setWager('c', '1.00');
    await t.deps.bus.publish('leaderboard.changed', { changedPlayers: 1, at: new Date().toISOString() });
    expect((await caller.account.standing())?.races[0]).toMatchObject({ rank: 42, wagered: '1.00' });
    await setWager('c', '300.00');
    await refreshRacePositions(t.deps, { threshold: 100 });
  });

  it('tells linked winners what they won when the race is finalized, as their preferences allow', async () => {
    const [race] = await t.deps.db
      .insert(races)
      .values({
        name: 'Quick Cup',
        startsAt: new Date(today.getTime() - 2 * DAY),
        endsAt: new Date(today.getTime() + DAY),
        prizePool: '30.00',
        prizeSplit: ['20.00', '10.00'],
        status: 'live',
      })
      .returning();
    if (!race) throw new Error('no race');
    const [alpha] = await t.deps.db.select().from(users).where(eq(users.playerUid, 'a'));
    const [bravo] = await t.deps.db.select().from(users).where(eq(users.playerUid, 'b'));
    if (!alpha || !bravo) throw new Error('linked users missing');
    // Bravo keeps race results for Telegram only.
    await t.deps.db
      .update(users)
      .set({ telegramId: 990_001, telegramConfirmedAt: new Date() })
      .where(eq(users.id, bravo.id));
    const bravoCaller: Caller = t.callerAs({ user: { id: bravo.id, username: bravo.username, role: 'user' } });
    await bravoCaller.notifications.setPreferences({ preferences: [{ kind: 'raceResults', web: false }] });

    await finalizeRace(t.deps, null, race.id, new Date(race.endsAt.getTime() + 1000));
    const won = await t.deps.db.select().from(notifications).where(eq(notifications.type, 'race.won'));
    expect(won.map((w) => [w.userId, w.web])).toEqual(
      expect.arrayContaining([
        [alpha.id, true],
        [bravo.id, false],
      ]),
    );
    expect(won.find((w) => w.userId === alpha.id)).toMatchObject({
      title: 'Quick Cup is over: you finished #1 🥇',
      body: 'You won $20.00! You wagered $500.00 as Alpha.',
    });
    // Finalizing again (another instance, the scheduler) tells nobody twice.
    await finalizeRace(t.deps, null, race.id, new Date(race.endsAt.getTime() + 2000));
    expect(await t.deps.db.select().from(notifications).where(eq(notifications.type, 'race.won'))).toHaveLength(
      won.length,
    );
    // A finished race keeps no places.
    await refreshRacePositions(t.deps, { threshold: 2 });
    expect(await t.deps.db.select().from(racePositions).where(eq(racePositions.raceId, race.id))).toEqual([]);
  });
});
