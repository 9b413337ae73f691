import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { periods } from '@goated/validators';
import { TRPCError } from '@trpc/server';
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, insertPlayers, type TestApi } from './fixtures';

const { players } = schema;

/** Every fixture's all-time wager is below the second tier's 10,000. */
const copper = { rank: 1, name: 'Copper', colour: '#c46a3c' };

describe.each(testBackends())('leaderboard on %s', (kind) => {
  let t: TestApi;

  beforeAll(async () => {
    t = await createTestApi(kind);
    await insertPlayers(t.deps.db, [
      { uid: 'u1', name: 'Alice', month: '500.00', today: '5.00' },
      { uid: 'u2', name: 'Bob', month: '900.50' },
      { uid: 'u3', name: 'Carol', month: '500.00' }, // ties with Alice: uid breaks the tie
      { uid: 'u4', name: 'Alfred', month: '100.25' },
      { uid: 'u5', name: 'Zero', month: '0' },
      { uid: 'u6', name: 'al_underscore', month: '50.00' },
    ]);
  });
  afterAll(() => t.close());

  it('ranks players by wager, highest first, ties broken by uid', async () => {
    const page = await t.caller.leaderboard.top({ period: 'month', limit: 10 });
    expect(page.entries.map((e) => [e.rank, e.uid, e.wagered])).toEqual([
      [1, 'u2', '900.50'],
      [2, 'u1', '500.00'],
      [3, 'u3', '500.00'],
      [4, 'u4', '100.25'],
      [5, 'u6', '50.00'],
    ]);
    expect(page.nextCursor).toBeNull();
  });

  it('leaves out players who wagered nothing in the period', async () => {
    const page = await t.caller.leaderboard.top({ period: 'today' });
    expect(page.entries.map((e) => e.uid)).toEqual(['u1']);
  });

  it('pages with an opaque cursor and keeps ranks continuous', async () => {
    const first = await t.caller.leaderboard.top({ period: 'month', limit: 2 });
    expect(first.entries.map((e) => e.rank)).toEqual([1, 2]);
    expect(first.nextCursor).toEqual(expect.any(String));
    // The cursor sits between the two tied players: the tie-break carries across pages.
    const second = await t.caller.leaderboard.top({ period: 'month', limit: 2, cursor: first.nextCursor });
    expect(second.entries.map((e) => [e.rank, e.uid])).toEqual([
      [3, 'u3'],
      [4, 'u4'],
    ]);
    const third = await t.caller.leaderboard.top({ period: 'month', limit: 2, cursor: second.nextCursor });
    expect(third.entries.map((e) => [e.rank, e.uid])).toEqual([[5, 'u6']]);
    expect(third.nextCursor).toBeNull();
  });

  it('rejects a cursor that is not one, or belongs to another period, naming the field', async () => {
    const page = await t.caller.leaderboard.top({ period: 'month', limit: 1 });
    for (const cursor of ['garbage', Buffer.from('{"p":"month"}').toString('base64url')]) {
      const error = await t.caller.leaderboard.top({ period: 'month', cursor }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'BAD_REQUEST', message: 'cursor: is not a leaderboard cursor' });
    }
    await expect(t.caller.leaderboard.top({ period: 'week', cursor: page.nextCursor })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'cursor: belongs to the month leaderboard, not week',
    });
  });

  it('searches by name prefix, case-insensitively, keeping overall ranks', async () => {
    const page = await t.caller.leaderboard.top({ period: 'month', search: 'AL' });
    expect(page.entries.map((e) => [e.rank, e.name])).toEqual([
      [2, 'Alice'],
      [4, 'Alfred'],
      [5, 'al_underscore'],
    ]);
  });

  it('pages through search results with the cursor', async () => {
    const first = await t.caller.leaderboard.top({ period: 'month', search: 'al', limit: 2 });
    expect(first.entries.map((e) => e.name)).toEqual(['Alice', 'Alfred']);
    const second = await t.caller.leaderboard.top({
      period: 'month',
      search: 'al',
      limit: 2,
      cursor: first.nextCursor,
    });
    expect(second.entries.map((e) => [e.rank, e.name])).toEqual([[5, 'al_underscore']]);
    expect(second.nextCursor).toBeNull();
  });

  it('treats LIKE wildcards in a search as plain text', async () => {
    const page = await t.caller.leaderboard.top({ period: 'month', search: 'al_' });
    expect(page.entries.map((e) => e.name)).toEqual(['al_underscore']);
    const none = await t.caller.leaderboard.top({ period: 'month', search: '%' });
    expect(none.entries).toEqual([]);
  });

  it("gives a player's rank with the neighbours above and below", async () => {
    const pos = await t.caller.leaderboard.position({ period: 'month', uid: 'u3', neighbours: 2 });
    expect(pos.player).toEqual({ uid: 'u3', name: 'Carol', wagered: '500.00', rank: 3, tier: copper });
    expect(pos.above.map((e) => [e.rank, e.uid])).toEqual([
      [1, 'u2'],
      [2, 'u1'],
    ]);
    expect(pos.below.map((e) => [e.rank, e.uid])).toEqual([
      [4, 'u4'],
      [5, 'u6'],
    ]);
  });

  it('gives fewer neighbours at the ends of the board', async () => {
    const top = await t.caller.leaderboard.position({ period: 'month', uid: 'u2', neighbours: 3 });
    expect(top.above).toEqual([]);
    expect(top.below.map((e) => e.uid)).toEqual(['u1', 'u3', 'u4']);
    const bottom = await t.caller.leaderboard.position({ period: 'month', uid: 'u6', neighbours: 1 });
    expect(bottom.above.map((e) => [e.rank, e.uid])).toEqual([[4, 'u4']]);
    expect(bottom.below).toEqual([]);
  });

  it('reports no rank (and no neighbours) for a player who wagered nothing in the period', async () => {
    const pos = await t.caller.leaderboard.position({ period: 'month', uid: 'u5', neighbours: 1 });
    expect(pos.player).toEqual({ uid: 'u5', name: 'Zero', wagered: '0.00', rank: null, tier: copper });
    expect(pos.above).toEqual([]);
    expect(pos.below).toEqual([]);
  });

  it('answers NOT_FOUND for an unknown player', async () => {
    await expect(t.caller.leaderboard.position({ period: 'week', uid: 'nobody' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('rejects bad input with an error naming the field', async () => {
    const error = await t.caller.leaderboard
      // @ts-expect-error: 'year' is not a period
      .top({ period: 'year', limit: 1000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect(error).toMatchObject({ code: 'BAD_REQUEST' });
    const issues = (error as TRPCError).cause;
    expect(String(issues)).toMatch(/period/);
    expect(String(issues)).toMatch(/limit/);
  });
});

/**
 * Amounts around bucket edges (99.99 | 100.00, 12999.99 | 13000.00, 0.09 | 0.10), fine-bucket
 * edges (12299.99 | 12300.00, 109.89 | 109.90, 9.98 | 9.99) and many ties.
 */
const AMOUNTS = [
  '0.01',
  '0.09',
  '0.10',
  '0.99',
  '1.00',
  '9.99',
  '10.00',
  '10.01',
  '99.99',
  '100.00',
  '100.01',
  '109.99',
  '110.00',
  '12000.00',
  '12299.99',
  '12300.00',
  '12300.01',
  '12999.99',
  '109.89',
  '109.90',
  '9.98',
  '0.57',
  '13000.00',
  '1000000.00',
  '0',
];

function cents(amount: string): bigint {
  return BigInt(amount.replace('.', ''));
}

/** The reference ranking, computed the slow obvious way. */
function expectedRanks(rows: { uid: string; wager: string }[]): Map<string, number> {
  const ranked = rows
    .filter((r) => cents(r.wager) > 0n)
    .sort((a, b) => {
      const d = cents(b.wager) - cents(a.wager);
      return d === 0n ? (a.uid < b.uid ? -1 : 1) : d > 0n ? 1 : -1;
    });
  return new Map(ranked.map((r, i) => [r.uid, i + 1]));
}

describe.each(testBackends())('leaderboard ranks under change on %s', (kind) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi(kind);
  });
  afterAll(() => t.close());

  /** Every player's rank in every period, from the API, against the reference ranking. */
  async function expectRanksExact(): Promise<void> {
    // Direct writes publish no event of their own: tell the caches, as every writer does.
    await t.deps.bus.publish('leaderboard.changed', { changedPlayers: 1, at: new Date().toISOString() });
    const rows = await t.deps.db.select().from(players);
    for (const period of periods) {
      const column = { today: 'wagerToday', week: 'wagerWeek', month: 'wagerMonth', all: 'wagerAllTime' } as const;
      const expected = expectedRanks(rows.map((r) => ({ uid: r.uid, wager: r[column[period]] })));
      const board = await t.caller.leaderboard.top({ period, limit: 100 });
      expect(board.entries.map((e) => [e.uid, e.rank])).toEqual([...expected.entries()].slice(0, 100));
      // Name search ranks its matches all at once (one call for the page): the same ranks.
      for (const search of ['r0', 'r1', 'r05']) {
        const found = await t.caller.leaderboard.top({ period, limit: 7, search });
        const matches = [...expected.entries()].filter(([uid]) => uid.startsWith(search)).slice(0, 7);
        expect({ period, search, ranks: found.entries.map((e) => [e.uid, e.rank]) }).toEqual({
          period,
          search,
          ranks: matches,
        });
      }
    }
    // Position (and players.get) use the bucket counts: check each player one by one.
    for (const row of rows) {
      const profile = await t.caller.players.get({ uid: row.uid });
      for (const period of periods) {
        const column = { today: 'wagerToday', week: 'wagerWeek', month: 'wagerMonth', all: 'wagerAllTime' } as const;
        const expected = expectedRanks(rows.map((r) => ({ uid: r.uid, wager: r[column[period]] })));
        expect({ uid: row.uid, period, rank: profile.periods[period].rank }).toEqual({
          uid: row.uid,
          period,
          rank: expected.get(row.uid) ?? null,
        });
      }
    }
  }

  it('ranks exactly around bucket edges and ties, through inserts, updates and deletes', async () => {
    let n = 0;
    const pick = () => AMOUNTS[n++ % AMOUNTS.length] ?? '0';
    const fixtures = Array.from({ length: 60 }, (_, i) => ({
      uid: `r${String(i).padStart(3, '0')}`,
      today: pick(),
      week: pick(),
      month: pick(),
      all: pick(),
    }));
    await insertPlayers(t.deps.db, fixtures);
    await expectRanksExact();

    // An upsert like the sync's, moving players across bucket edges and to and from zero.
    await t.deps.db
      .insert(players)
      .values(
        ['r001', 'r002', 'r017', 'r040', 'new1'].map((uid, i) => ({
          uid,
          name: uid,
          wagerToday: AMOUNTS[(i * 5) % AMOUNTS.length] ?? '0',
          wagerWeek: '100.00',
          wagerMonth: AMOUNTS[(i * 3 + 7) % AMOUNTS.length] ?? '0',
          wagerAllTime: '0',
          upstreamUpdatedAt: new Date(),
        })),
      )
      .onConflictDoUpdate({
        target: players.uid,
        set: {
          wagerToday: sql`excluded.wager_today`,
          wagerWeek: sql`excluded.wager_week`,
          wagerMonth: sql`excluded.wager_month`,
          wagerAllTime: sql`excluded.wager_all_time`,
        },
      });
    await t.deps.db.delete(players).where(inArray(players.uid, ['r003', 'r004']));
    await t.deps.db.update(players).set({ wagerMonth: '99.99' }).where(eq(players.uid, 'r010'));
    await expectRanksExact();
  });

  it('ranks exactly in crowded fine buckets, counted from either end (migration 0018)', async () => {
    // Fine buckets of more than 64 players are counted from their nearer end: 150 ties at 2.00
    // (a fine bucket of one amount, uids from both ends of the uid space), and 120 players in
    // [123.00, 124.00), 40 of them tied at 123.45.
    const tied = Array.from({ length: 150 }, (_, i) => ({
      uid: `${i % 2 ? 'a' : 'z'}${String(i).padStart(3, '0')}`,
      month: '2.00',
    }));
    const spread = Array.from({ length: 120 }, (_, i) => ({
      uid: `s${String(i).padStart(3, '0')}`,
      month: i < 40 ? '123.45' : `123.${String(i - 40).padStart(2, '0')}`,
    }));
    await insertPlayers(t.deps.db, [...tied, ...spread]);
    await expectRanksExact();

    // Out of and into the crowded buckets: the fine counts follow, and so do the ranks.
    await t.deps.db
      .update(players)
      .set({ wagerMonth: '2.00' })
      .where(inArray(players.uid, ['s050', 's051']));
    await t.deps.db
      .update(players)
      .set({ wagerMonth: '123.99' })
      .where(inArray(players.uid, ['a001', 'z148']));
    await t.deps.db.delete(players).where(inArray(players.uid, ['z000', 's000', 's100']));
    await expectRanksExact();
  });
});

describe.each(testBackends())('leaderboard pagination while the board moves on %s', (kind) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi(kind);
    // 30 players, p00 … p29, wagering 3000, 2900, … 100.
    await insertPlayers(
      t.deps.db,
      Array.from({ length: 30 }, (_, i) => ({ uid: `p${String(i).padStart(2, '0')}`, month: `${(30 - i) * 100}.00` })),
    );
  });
  afterAll(() => t.close());

  it('never repeats or skips a player who did not move, and shows current ranks', async () => {
    const seen: string[] = [];
    const page1 = await t.caller.leaderboard.top({ period: 'month', limit: 10 });
    seen.push(...page1.entries.map((e) => e.uid));
    expect(seen.at(-1)).toBe('p09');

    // Between two page loads: a newcomer enters at the top, p25 climbs into page 1 (both shift
    // everyone below by one, which made an offset repeat p09 and p08), p12 climbs to the head
    // of page 2, just behind the reader's position.
    await insertPlayers(t.deps.db, [{ uid: 'new', month: '99999.00' }]);
    await t.deps.db.update(players).set({ wagerMonth: '5000.00' }).where(eq(players.uid, 'p25'));
    await t.deps.db.update(players).set({ wagerMonth: '2050.00' }).where(eq(players.uid, 'p12'));
    await t.deps.bus.publish('leaderboard.changed', { changedPlayers: 3, at: new Date().toISOString() });

    const page2 = await t.caller.leaderboard.top({ period: 'month', limit: 10, cursor: page1.nextCursor });
    seen.push(...page2.entries.map((e) => e.uid));
    // Ranks are the board's ranks now: two players moved ahead of the whole page since page 1.
    const now = await t.caller.leaderboard.top({ period: 'month', limit: 100 });
    const rankNow = new Map(now.entries.map((e) => [e.uid, e.rank]));
    for (const e of page2.entries) expect(e.rank).toBe(rankNow.get(e.uid));
    expect(page2.entries.slice(0, 2)).toMatchObject([
      { uid: 'p12', rank: 13 },
      { uid: 'p10', rank: 14 },
    ]);

    // A player not yet shown drops out of the period (a reset to zero).
    await t.deps.db.update(players).set({ wagerMonth: '0' }).where(eq(players.uid, 'p22'));
    await t.deps.bus.publish('leaderboard.changed', { changedPlayers: 1, at: new Date().toISOString() });
    const page3 = await t.caller.leaderboard.top({ period: 'month', limit: 10, cursor: page2.nextCursor });
    seen.push(...page3.entries.map((e) => e.uid));
    expect(page3.nextCursor).toBeNull();

    expect(new Set(seen).size).toBe(seen.length);
    // Everyone who stayed put was seen exactly once; the newcomer and p25 appeared above the
    // reader's position (the live board shows them), p22 left the board.
    const stayed = Array.from({ length: 30 }, (_, i) => `p${String(i).padStart(2, '0')}`).filter(
      (uid) => !['p25', 'p22'].includes(uid),
    );
    expect(seen.filter((uid) => stayed.includes(uid)).sort()).toEqual(stayed);
    expect(seen).not.toContain('p22');
  });
});
