import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, utcDay } from '../src/services/dates';
import { createTestApi, insertPlayers, insertWagerDays, type TestApi } from './fixtures';

describe.each(testBackends())('players on %s', (kind) => {
  let t: TestApi;
  const today = new Date();

  beforeAll(async () => {
    t = await createTestApi(kind);
    await insertPlayers(t.deps.db, [
      { uid: 'a', name: 'Ann', today: '10.00', week: '70.00', month: '300.00', all: '5000.00' },
      { uid: 'b', name: 'Ben', today: '0', week: '80.00', month: '200.00', all: '9000.00' },
    ]);
    await insertWagerDays(t.deps.db, [
      { uid: 'a', day: utcDay(today), wagered: '10.00' },
      { uid: 'a', day: utcDay(addDays(today, -2)), wagered: '60.00' },
      { uid: 'a', day: utcDay(addDays(today, -40)), wagered: '1.00' },
    ]);
  });
  afterAll(() => t.close());

  it('returns totals and the rank in every period', async () => {
    const ann = await t.caller.players.get({ uid: 'a' });
    expect(ann.name).toBe('Ann');
    expect(ann.periods).toEqual({
      today: { wagered: '10.00', rank: 1 },
      week: { wagered: '70.00', rank: 2 },
      month: { wagered: '300.00', rank: 1 },
      all: { wagered: '5000.00', rank: 2 },
    });
    const ben = await t.caller.players.get({ uid: 'b' });
    expect(ben.periods.today).toEqual({ wagered: '0.00', rank: null });
    expect(ben.upstreamUpdatedAt).toBeInstanceOf(Date);
  });

  it("shows the player's place in each live race, and none in races that are not live", async () => {
    const day = 86_400_000;
    await t.deps.db.insert(schema.races).values([
      {
        name: 'Live',
        startsAt: new Date(today.getTime() - 3 * day),
        endsAt: new Date(today.getTime() + day),
        prizePool: '30.00',
        prizeSplit: ['20.00', '10.00'],
        status: 'live',
      },
      {
        name: 'Soon',
        startsAt: new Date(today.getTime() + day),
        endsAt: new Date(today.getTime() + 2 * day),
        prizePool: '1.00',
        prizeSplit: ['1.00'],
      },
    ]);
    await insertWagerDays(t.deps.db, [{ uid: 'b', day: utcDay(addDays(today, -1)), wagered: '100.00' }]);
    const ann = await t.caller.players.get({ uid: 'a' });
    expect(ann.races).toEqual([
      { raceId: expect.any(Number), name: 'Live', endsAt: expect.any(Date), wagered: '70.00', rank: 2, prize: '10.00' },
    ]);
    const ben = await t.caller.players.get({ uid: 'b' });
    expect(ben.races).toMatchObject([{ name: 'Live', wagered: '100.00', rank: 1, prize: '20.00' }]);
  });

  it('returns one point per day for the chart, zero-filled, oldest first', async () => {
    const history = await t.caller.players.history({ uid: 'a', days: 3 });
    expect(history.days).toEqual([
      { day: utcDay(addDays(today, -2)), wagered: '60.00' },
      { day: utcDay(addDays(today, -1)), wagered: '0.00' },
      { day: utcDay(today), wagered: '10.00' },
    ]);
  });

  it('answers NOT_FOUND for an unknown player', async () => {
    await expect(t.caller.players.get({ uid: 'zz' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(t.caller.players.history({ uid: 'zz' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
