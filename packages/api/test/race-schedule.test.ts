import { createDb, type DbHandle, queryRows, schema } from '@goated/db';
import { consume, sleep, waitFor } from '@goated/testing';
import { testBackends } from '@goated/testing/db';
import { feed } from '@goated/testing/upstream';
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { live, raceUpdates } from '../src/live/live';
import { type AppDeps, type AppEvents, createInProcessBus, runSync } from '../src/server';
import { utcDay } from '../src/services/dates';
import { type RaceScheduler, scheduleRaces } from '../src/services/race-scheduler';
import { createTestApi, insertPlayers, insertUser, insertWagerDays, type TestApi } from './fixtures';

const { races, raceResults } = schema;
const TICK_MS = 100;

describe.each(testBackends())('races run by the clock on %s', (kind) => {
  let t: TestApi;
  const schedulers: RaceScheduler[] = [];
  const extraHandles: DbHandle[] = [];

  beforeAll(async () => {
    t = await createTestApi(kind, { live: { pushIntervalMs: 50 } });
    await insertPlayers(t.deps.db, [
      { uid: 'a', name: 'Ann' },
      { uid: 'b', name: 'Ben' },
    ]);
    const today = utcDay(new Date());
    await insertWagerDays(t.deps.db, [
      { uid: 'a', day: today, wagered: '10.00' },
      { uid: 'b', day: today, wagered: '20.00' },
    ]);
  });
  afterEach(async () => {
    await Promise.all(schedulers.splice(0).map((s) => s.stop()));
  });
  afterAll(async () => {
    for (const h of extraHandles) await h.close();
    await t.close();
  });

  it('goes live and completes on time without any call, announcing the winners', async () => {
    const admin = await insertUser(t.deps.db, { role: 'admin' });
    // Far enough ahead that the stream's first snapshot is taken before the start on a loaded
    // machine (700 ms was not, once, with the whole suite on 2 cores).
    const startsAt = new Date(Date.now() + 2000);
    const endsAt = new Date(startsAt.getTime() + 700);
    const race = await t.callerAs({ user: admin }).races.create({
      name: 'Sprint',
      startsAt,
      endsAt,
      prizePool: '30.00',
      prizes: ['20.00', '10.00'],
    });
    const changes: { status: string; at: number }[] = [];
    const finished: AppEvents['race.finished'][] = [];
    t.deps.bus.subscribe('race.changed', (e) => {
      if (e.raceId === race.id) changes.push({ status: e.status, at: Date.now() });
    });
    t.deps.bus.subscribe('race.finished', (e) => finished.push(e));
    // The race's live stream, from upcoming to final.
    const controller = new AbortController();
    const stream = consume(raceUpdates(t.deps, { raceId: race.id, limit: 10 }, controller.signal));
    expect((await stream.next(1))[1]).toMatchObject({ status: 'upcoming', standings: [] });

    schedulers.push(scheduleRaces(t.deps, TICK_MS));
    await waitFor(() => finished.length > 0, { label: 'the race to be finalized' });

    const wentLive = changes.find((c) => c.status === 'live');
    const completed = changes.find((c) => c.status === 'completed');
    expect(wentLive?.at).toBeGreaterThanOrEqual(startsAt.getTime());
    expect(completed?.at).toBeGreaterThanOrEqual(endsAt.getTime());
    // On time: within a tick (and some slack for a busy machine) of each boundary.
    expect((wentLive?.at ?? 0) - startsAt.getTime()).toBeLessThan(TICK_MS + 2000);
    expect((completed?.at ?? 0) - endsAt.getTime()).toBeLessThan(TICK_MS + 2000);
    expect(finished[0]).toMatchObject({ raceId: race.id, name: 'Sprint', unawarded: '0.00' });
    expect(finished[0]?.winners.map((w) => [w.rank, w.uid, w.wagered, w.prize])).toEqual([
      [1, 'b', '20.00', '20.00'],
      [2, 'a', '10.00', '10.00'],
    ]);
    const stored = await t.caller.races.get({ raceId: race.id });
    expect(stored.status).toBe('completed');
    expect(stored.finalizedAt).toBeInstanceOf(Date);

    await waitFor(() => stream.items.some(([, s]) => s.final), { label: 'the final standings' });
    const statuses = stream.items.map(([, s]) => s.status);
    expect(statuses[0]).toBe('upcoming');
    expect(statuses.at(-1)).toBe('completed');
    expect(stream.items.at(-1)?.[1].standings.map((s) => s.uid)).toEqual(['b', 'a']);
    controller.abort();
    await stream.done;
    expect(live(t.deps).raceFeeds.size).toBe(0);
  });

  it('two instances reaching ends_at together produce one result set and one announcement', async () => {
    // A second "instance": its own database handle (its own pool on PostgreSQL) and its own bus.
    let second: DbHandle = t.handle;
    if (kind === 'postgres') {
      const [row] = await queryRows<{ name: string }>(t.deps.db, sql`select current_database() as name`);
      const url = new URL(process.env.DATABASE_URL ?? '');
      url.pathname = `/${row?.name}`;
      second = await createDb({ databaseUrl: url.toString(), migrate: false, poolMax: 5 });
      extraHandles.push(second);
    }
    const instances: Pick<AppDeps, 'db' | 'bus'>[] = [
      { db: t.deps.db, bus: createInProcessBus() },
      { db: second.db, bus: createInProcessBus() },
    ];
    const finished: number[] = [];
    for (const instance of instances) instance.bus.subscribe('race.finished', (e) => finished.push(e.raceId));

    const endsAt = new Date(Date.now() + 600);
    const rows = await t.deps.db
      .insert(races)
      .values(
        Array.from({ length: 5 }, (_, i) => ({
          name: `Race ${i}`,
          startsAt: new Date(Date.now() - 60_000),
          endsAt,
          prizePool: '3.00',
          prizeSplit: ['2.00', '1.00'],
          status: 'live' as const,
        })),
      )
      .returning({ id: races.id });
    const ids = rows.map((r) => r.id);

    const finalizedBy: number[][] = [[], []];
    instances.forEach((instance, i) => {
      schedulers.push(scheduleRaces(instance, 20, (tick) => finalizedBy[i]?.push(...tick.finalized)));
    });
    await waitFor(
      async () => {
        const done = await t.deps.db.select({ status: races.status }).from(races).where(inArray(races.id, ids));
        return done.every((r) => r.status === 'completed');
      },
      { label: 'every race to be finalized' },
    );
    await sleep(200); // let any late duplicate show itself

    // This test's races (one left unfinished by a failed test before it is not this test's concern).
    expect(finished.filter((id) => ids.includes(id)).sort()).toEqual(ids.sort());
    // Each race was frozen by exactly one of the two instances.
    const [byFirst = [], bySecond = []] = finalizedBy;
    expect([...byFirst, ...bySecond].filter((id) => ids.includes(id)).sort()).toEqual(ids.sort());
    for (const id of ids) {
      const results = await t.deps.db.select().from(raceResults).where(eq(raceResults.raceId, id));
      expect(results.map((r) => [r.rank, r.playerUid, r.prize])).toEqual([
        [1, 'b', '2.00'],
        [2, 'a', '1.00'],
      ]);
    }
  });

  it("streams a live race's standings after a sync, silent when its top N does not move", async () => {
    const [row] = await t.deps.db
      .insert(races)
      .values({
        name: 'Streamed',
        startsAt: new Date(Date.now() - 86_400_000),
        endsAt: new Date(Date.now() + 86_400_000),
        prizePool: '3.00',
        prizeSplit: ['2.00', '1.00'],
        status: 'live',
      })
      .returning({ id: races.id });
    const raceId = row?.id ?? 0;
    const controller = new AbortController();
    const stream = consume(raceUpdates(t.deps, { raceId, limit: 2 }, controller.signal));
    const [, first] = await stream.next(1);
    expect(first.standings.map((s) => [s.uid, s.wagered])).toEqual([
      ['b', '20.00'],
      ['a', '10.00'],
    ]);

    await runSync(t.deps, feed({ a: 50 }, new Date()));
    const [, second] = await stream.next(2);
    expect(second.standings.map((s) => [s.rank, s.uid, s.wagered, s.prize])).toEqual([
      [1, 'a', '50.00', '2.00'],
      [2, 'b', '20.00', '1.00'],
    ]);

    await runSync(t.deps, feed({ c: 5 }, new Date())); // a newcomer, third: outside the top 2
    await sleep(300);
    expect(stream.items).toHaveLength(2);
    const standings = await t.caller.races.standings({ raceId, limit: 3 });
    expect(standings.standings.map((s) => s.uid)).toEqual(['a', 'b', 'c']);
    controller.abort();
    await stream.done;
  });
});
