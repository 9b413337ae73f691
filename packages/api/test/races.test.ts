import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, startOfUtcDay, utcDay } from '../src/services/dates';
import { createTestApi, insertPlayers, insertWagerDays, type TestApi } from './fixtures';

const copper = { rank: 1, name: 'Copper', colour: '#c46a3c' };

describe.each(testBackends())('races on %s', (kind) => {
  let t: TestApi;
  const today = startOfUtcDay(new Date());
  let liveId: number;
  let doneId: number;
  let upcomingId: number;

  beforeAll(async () => {
    t = await createTestApi(kind);
    const db = t.deps.db;
    await insertPlayers(db, [
      { uid: 'a', name: 'Ann' },
      { uid: 'b', name: 'Ben' },
      { uid: 'c', name: 'Cat' },
    ]);
    await insertWagerDays(db, [
      // Inside the live race's window (started 2 days ago, ends in 2 days).
      { uid: 'a', day: utcDay(addDays(today, -2)), wagered: '100.00' },
      { uid: 'a', day: utcDay(today), wagered: '50.50' },
      { uid: 'b', day: utcDay(addDays(today, -1)), wagered: '300.00' },
      // Before the window: must not count.
      { uid: 'c', day: utcDay(addDays(today, -3)), wagered: '9999.00' },
    ]);
    const rows = await db
      .insert(schema.races)
      .values([
        {
          name: 'Done',
          startsAt: addDays(today, -14),
          endsAt: addDays(today, -7),
          prizePool: '100.00',
          prizeSplit: ['70.00', '30.00'],
          status: 'completed',
          finalizedAt: addDays(today, -7),
        },
        {
          name: 'Live',
          startsAt: addDays(today, -2),
          endsAt: addDays(today, 2),
          prizePool: '1000.00',
          prizeSplit: ['600.00', '400.00'],
          status: 'live',
        },
        {
          name: 'Soon',
          startsAt: addDays(today, 5),
          endsAt: addDays(today, 9),
          prizePool: '10.00',
          prizeSplit: ['10.00'],
          status: 'upcoming',
        },
      ])
      .returning({ id: schema.races.id });
    [doneId, liveId, upcomingId] = rows.map((r) => r.id) as [number, number, number];
    await db.insert(schema.raceResults).values([
      { raceId: doneId, rank: 1, playerUid: 'c', playerName: 'Cat', wagered: '9999.00', prize: '70.00' },
      { raceId: doneId, rank: 2, playerUid: 'a', playerName: 'Ann', wagered: '1.00', prize: '30.00' },
    ]);
  });
  afterAll(() => t.close());

  it('lists races newest first and filters by status', async () => {
    const all = await t.caller.races.list({});
    expect(all.races.map((r) => r.name)).toEqual(['Soon', 'Live', 'Done']);
    const live = await t.caller.races.list({ status: 'live' });
    expect(live.races.map((r) => r.id)).toEqual([liveId]);
    const page = await t.caller.races.list({ limit: 2 });
    expect(page.nextCursor).not.toBeNull();
    const rest = await t.caller.races.list({ limit: 2, cursor: page.nextCursor });
    expect(rest.races.map((r) => r.name)).toEqual(['Done']);
  });

  it('gets one race with its prize per rank', async () => {
    const race = await t.caller.races.get({ raceId: liveId });
    expect(race).toMatchObject({ name: 'Live', status: 'live', prizePool: '1000.00' });
    expect(race.prizes).toEqual([
      { rank: 1, prize: '600.00' },
      { rank: 2, prize: '400.00' },
    ]);
    await expect(t.caller.races.get({ raceId: 999_999 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('computes live standings from the wager inside the window', async () => {
    const s = await t.caller.races.standings({ raceId: liveId });
    expect(s.final).toBe(false);
    expect(s.standings).toEqual([
      { rank: 1, uid: 'b', name: 'Ben', wagered: '300.00', prize: '600.00', tier: copper },
      { rank: 2, uid: 'a', name: 'Ann', wagered: '150.50', prize: '400.00', tier: copper },
    ]);
  });

  it('answers a completed race from its frozen results', async () => {
    const s = await t.caller.races.standings({ raceId: doneId });
    expect(s.final).toBe(true);
    expect(s.standings.map((r) => [r.rank, r.uid, r.prize])).toEqual([
      [1, 'c', '70.00'],
      [2, 'a', '30.00'],
    ]);
  });

  it('has no standings before a race starts', async () => {
    const s = await t.caller.races.standings({ raceId: upcomingId });
    expect(s).toMatchObject({ status: 'upcoming', final: false, standings: [] });
  });
});
