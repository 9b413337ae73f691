import { randomUUID } from 'node:crypto';
import { type DbHandle, queryRows, schema } from '@goated/db';
import { createTestDb, testBackends } from '@goated/testing/db';
import { eq, inArray, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { computeOverview, recordConnectionSample } from '../src/services/analytics';

const DAY = 86_400_000;
const now = new Date('2026-03-10T15:00:00Z');
const at = (dayOffset: number, hour = 12) =>
  new Date(Date.parse('2026-03-10T00:00:00Z') + dayOffset * DAY + hour * 3_600_000);

interface DayCount extends Record<string, unknown> {
  kind: string;
  day: string;
  n: number;
}

/** What the rollup says, beside what counting the rows says, per kind and day (zero days left out). */
async function rollupAndRows(handle: DbHandle) {
  const rollup = await queryRows<DayCount>(
    handle.db,
    sql`select kind, day::text as day, count::int as n from activity_days where count <> 0 order by 1, 2`,
  );
  const rows = await queryRows<DayCount>(
    handle.db,
    sql`select kind, day::text as day, n::int as n from (
          select 'sign_ups' as kind, (created_at at time zone 'UTC')::date as day, count(*) as n from users group by 2
          union all
          select 'bonus_claims', (claimed_at at time zone 'UTC')::date, count(*) from bonus_claims group by 2
          union all
          select 'challenge_entries', (created_at at time zone 'UTC')::date, count(*) from challenge_entries group by 2
        ) c order by 1, 2`,
  );
  return { rollup, rows };
}

function user(createdAt: Date) {
  const name = `u_${randomUUID().slice(0, 8)}`;
  return { id: randomUUID(), username: name, displayName: name, passwordHash: 'x', createdAt };
}

describe.each(testBackends())('the overview rollups on %s', (kind) => {
  let handle: DbHandle;
  beforeEach(async () => {
    handle = await createTestDb(kind);
  });
  afterEach(() => handle.close());

  it('count sign-ups, claims and entries per day exactly as the rows do through inserts, moves and deletes', async () => {
    const db = handle.db;
    // One statement inserting users over three days, then one more on its own.
    const users = await db
      .insert(schema.users)
      .values([user(at(0)), user(at(0, 23)), user(at(-1)), user(at(-1)), user(at(-40))])
      .returning();
    await db.insert(schema.users).values(user(at(0, 1)));
    const [code] = await db.insert(schema.bonusCodes).values({ code: 'ROLL', maxClaims: 10 }).returning();
    await db
      .insert(schema.bonusClaims)
      .values(users.slice(0, 4).map((u, i) => ({ codeId: code?.id ?? 0, userId: u.id, claimedAt: at(-i) })));
    const [challenge] = await db
      .insert(schema.challenges)
      .values({
        title: 'Hit 100x',
        game: 'Dice',
        minMultiplier: '100',
        minBet: '1.00',
        prize: '50.00',
        maxWinners: 3,
        startsAt: at(-5),
        endsAt: at(5),
      })
      .returning();
    await db.insert(schema.challengeEntries).values(
      users.slice(0, 3).map((u, i) => ({
        challengeId: challenge?.id ?? 0,
        userId: u.id,
        betReference: `bet-${i}`,
        multiplier: '120',
        betAmount: '2.00',
        createdAt: at(-2 * i),
      })),
    );
    expect((await rollupAndRows(handle)).rollup.length).toBeGreaterThan(0);

    // A timestamp moved to another day (and one changed within its day), then deletes — a user's
    // delete cascades to their claims and entries.
    await db
      .update(schema.users)
      .set({ createdAt: at(-7) })
      .where(eq(schema.users.id, users[0]?.id ?? ''));
    await db
      .update(schema.users)
      .set({ createdAt: at(-1, 3) })
      .where(eq(schema.users.id, users[2]?.id ?? ''));
    await db
      .update(schema.bonusClaims)
      .set({ claimedAt: at(-30) })
      .where(eq(schema.bonusClaims.userId, users[3]?.id ?? ''));
    await db.delete(schema.users).where(inArray(schema.users.id, [users[1]?.id ?? '', users[4]?.id ?? '']));
    await db.delete(schema.challengeEntries).where(eq(schema.challengeEntries.betReference, 'bet-0'));

    const { rollup, rows } = await rollupAndRows(handle);
    expect(rollup).toEqual(rows);
    expect(rollup).toContainEqual({ kind: 'sign_ups', day: '2026-03-03', n: 1 });

    await db.execute(sql`truncate bonus_claims`);
    const truncated = await rollupAndRows(handle);
    expect(truncated.rollup).toEqual(truncated.rows);
    expect(truncated.rollup.some((r) => r.kind === 'bonus_claims')).toBe(false);
  });

  it('keeps each day’s peak of connections after the samples are pruned', async () => {
    const db = handle.db;
    // 120 days ago: in the previous period of the 90-day view, older than the samples are kept.
    for (const [instance, connections] of [
      ['one', 30],
      ['two', 12],
    ] as const) {
      await recordConnectionSample(db, { at: at(-120), instance, connections, subscriptions: 0, sseStreams: 0 });
    }
    await recordConnectionSample(db, {
      at: at(-120, 18),
      instance: 'one',
      connections: 40,
      subscriptions: 0,
      sseStreams: 0,
    });
    // Today's sample prunes everything older than 100 days.
    await recordConnectionSample(db, { at: at(0), instance: 'one', connections: 5, subscriptions: 0, sseStreams: 0 });
    expect(await db.select().from(schema.connectionSamples)).toHaveLength(1);

    const overview = await computeOverview(db, 90, now);
    expect(overview.kpis.peakConnections).toEqual({ value: 5, previous: 42, change: -0.881 });
    expect(overview.series.at(-1)?.peakConnections).toBe(5);
  });
});

// PGlite has one session, so only PostgreSQL can store two samples at once.
describe.runIf(testBackends().includes('postgres'))('two instances sampling the same moment at once (postgres)', () => {
  let handle: DbHandle;
  beforeEach(async () => {
    handle = await createTestDb('postgres');
  });
  afterEach(() => handle.close());

  it('adds them up', async () => {
    const db = handle.db;
    const moment = at(0, 9);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inside: () => void = () => {};
    const entered = new Promise<void>((resolve) => {
      inside = resolve;
    });
    // Instance one's sample stays uncommitted while instance two stores its own.
    const one = db.transaction(async (tx) => {
      await tx
        .insert(schema.connectionSamples)
        .values({ at: moment, instance: 'one', connections: 7, subscriptions: 0, sseStreams: 0 });
      inside();
      await held;
    });
    await entered;
    const two = recordConnectionSample(db, {
      at: moment,
      instance: 'two',
      connections: 5,
      subscriptions: 0,
      sseStreams: 0,
    });
    await vi.waitFor(
      async () => {
        const waiting = await queryRows<{ n: number }>(
          db,
          sql`select count(*)::int as n from pg_stat_activity
              where datname = current_database() and wait_event_type = 'Lock'`,
        );
        expect(waiting[0]?.n).toBe(1);
      },
      { timeout: 20_000, interval: 50 },
    );
    release();
    await Promise.all([one, two]);

    const [today] = await db.select().from(schema.connectionDays).where(eq(schema.connectionDays.day, '2026-03-10'));
    expect(today?.peak).toBe(12);
  });
});
