import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeOverview, recordConnectionSample } from '../src/services/analytics';
import { createTestApi, insertPlayers, insertUser, insertWagerDays, type TestApi } from './fixtures';

const DAY = 86_400_000;
const now = new Date('2026-03-10T15:00:00Z');
const day = (offset: number) => new Date(Date.parse('2026-03-10T00:00:00Z') + offset * DAY).toISOString().slice(0, 10);
const at = (offset: number, hour = 12) => new Date(Date.parse(`${day(offset)}T00:00:00Z`) + hour * 3_600_000);

describe.each(testBackends())('the admin overview on %s', (kind) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi(kind);
    const db = t.deps.db;
    await insertPlayers(db, [{ uid: 'a' }, { uid: 'b' }, { uid: 'c' }]);
    // This week: a and b on day 0, a on day -1; the week before: c on day -8.
    await insertWagerDays(db, [
      { uid: 'a', day: day(0), wagered: '100.25' },
      { uid: 'b', day: day(0), wagered: '50.00' },
      { uid: 'a', day: day(-1), wagered: '10.00' },
      { uid: 'c', day: day(-8), wagered: '40.00' },
      { uid: 'b', day: day(-1), wagered: '0' },
    ]);
    // A sync rewrites a day: the rollup follows (b: 50 → 70).
    await db
      .insert(schema.playerWagerDays)
      .values({ playerUid: 'b', day: day(0), wagered: '70.00', upstreamUpdatedAt: now })
      .onConflictDoUpdate({
        target: [schema.playerWagerDays.playerUid, schema.playerWagerDays.day],
        set: { wagered: '70.00' },
      });
    const user = await insertUser(db);
    await db
      .update(schema.users)
      .set({ createdAt: at(-2) })
      .where(eq(schema.users.id, user.id));
    await insertUser(db).then((u) =>
      db
        .update(schema.users)
        .set({ createdAt: at(-9) })
        .where(eq(schema.users.id, u.id)),
    );
    const [code] = await db.insert(schema.bonusCodes).values({ code: 'X', maxClaims: 5 }).returning();
    await db.insert(schema.bonusClaims).values({ codeId: code?.id ?? 0, userId: user.id, claimedAt: at(0) });
    await db.insert(schema.syncRuns).values([
      {
        trigger: 'schedule',
        source: 's',
        status: 'succeeded',
        startedAt: at(0),
        finishedAt: new Date(at(0).getTime() + 200),
        recordsIn: 10,
        recordsOut: 9,
        recordsSkipped: 1,
      },
      {
        trigger: 'schedule',
        source: 's',
        status: 'failed',
        startedAt: at(-1),
        finishedAt: new Date(at(-1).getTime() + 400),
        recordsIn: 0,
      },
      { trigger: 'schedule', source: 's', status: 'running', startedAt: at(0, 13) },
    ]);
    for (const [instance, connections] of [
      ['one', 3],
      ['two', 4],
    ] as const) {
      await recordConnectionSample(db, { at: at(0), instance, connections, subscriptions: 1, sseStreams: 0 });
    }
    await recordConnectionSample(db, {
      at: at(0, 14),
      instance: 'one',
      connections: 5,
      subscriptions: 0,
      sseStreams: 0,
    });
    await db.insert(schema.races).values({
      name: 'Done',
      startsAt: at(-5),
      endsAt: at(-1),
      prizePool: '10.00',
      prizeSplit: ['10.00'],
      status: 'completed',
      participants: 12,
    });
  });
  afterAll(() => t.close());

  it('adds up each day from the rollups, against the previous period', async () => {
    const overview = await computeOverview(t.deps.db, 7, now);
    expect(overview).toMatchObject({ days: 7, from: day(-6), to: day(0) });
    expect(overview.series).toHaveLength(7);
    const today = overview.series.at(-1);
    expect(today).toMatchObject({
      day: day(0),
      wagered: '170.25',
      activePlayers: 2,
      bonusClaims: 1,
      syncRuns: 1,
      syncFailed: 0,
      syncAvgDurationMs: 200,
      recordsIn: 10,
      recordsApplied: 9,
      recordsRejected: 1,
      peakConnections: 7, // both instances at noon, more than one alone at 14:00
    });
    expect(overview.series.at(-2)).toMatchObject({ wagered: '10.00', activePlayers: 1, syncRuns: 1, syncFailed: 1 });
    expect(overview.kpis.wagered).toEqual({ value: '180.25', previous: '40.00', change: 3.506 });
    expect(overview.kpis.signUps).toEqual({ value: 1, previous: 1, change: 0 });
    expect(overview.kpis.claims.value).toBe(1);
    expect(overview.kpis.syncRuns.value).toBe(2);
    expect(overview.kpis.syncErrorRate.value).toBe(0.5);
    expect(overview.kpis.raceParticipants).toEqual({ value: 12, previous: 0, change: null });
    expect(overview.kpis.peakConnections.value).toBe(7);
    expect(overview.races.map((r) => [r.name, r.participants])).toEqual([['Done', 12]]);
  });

  it('is an admin query, cached', async () => {
    await expect(t.caller.admin.analytics.overview({ days: 7 })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const admin = t.callerAs({ user: await insertUser(t.deps.db, { role: 'admin' }) });
    const first = await admin.admin.analytics.overview({ days: 30 });
    expect(first.series).toHaveLength(30);
    expect(await admin.admin.analytics.overview({ days: 30 })).toBe(first);
  });
});
